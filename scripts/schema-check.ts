/**
 * `npm run schema:check`: the published `schema.graphql` is current, and it makes no breaking
 * change against the last released schema (`schema/released/schema.graphql`) that is not
 * acknowledged with a reason in `schema/acknowledged-breaking-changes.json` (docs/clients.md).
 * `npm run schema:check -- --write` rewrites `schema.graphql` from schema/*.graphql.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { printSchema } from 'graphql';
import { createBallastSchema } from '../src/schema.js';
import { compareSchemas, readAcknowledgements } from './schema-compare.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Paths the check reads, overridable so a test can point it at a temporary copy. */
export interface SchemaCheckPaths {
  published: string;
  released: string;
  acknowledged: string;
}

export const DEFAULT_PATHS: SchemaCheckPaths = {
  published: join(ROOT, 'schema.graphql'),
  released: join(ROOT, 'schema', 'released', 'schema.graphql'),
  acknowledged: join(ROOT, 'schema', 'acknowledged-breaking-changes.json'),
};

/** The schema as clients see it: every SDL file of schema/ merged, printed by graphql-js. */
export function printCurrentSchema(): string {
  return `${printSchema(createBallastSchema())}\n`;
}

/** Problems found (empty when the check passes), and notes worth printing either way. */
export async function checkSchema(current: string, paths: SchemaCheckPaths = DEFAULT_PATHS): Promise<{ problems: string[]; notes: string[] }> {
  const problems: string[] = [];
  if (readFileSync(paths.published, 'utf8') !== current) {
    problems.push('schema.graphql is stale: run `npm run schema:check -- --write` and commit it');
  }
  const acknowledged = readAcknowledgements(paths.acknowledged);
  const comparison = await compareSchemas(readFileSync(paths.released, 'utf8'), current, acknowledged);
  problems.push(...comparison.unacknowledged.map((change) => `breaking change not acknowledged: ${change.type} ${change.path ?? '(schema)'}: ${change.message}`));
  const notes = [
    ...comparison.acknowledged.map((change) => `acknowledged breaking change: ${change.type} ${change.path ?? '(schema)'}: ${change.message}`),
    ...comparison.unusedAcknowledgements.map((entry) => `acknowledgement matches no change (remove it once released): ${entry.path}`),
  ];
  return { problems, notes };
}

async function main(): Promise<void> {
  const current = printCurrentSchema();
  if (process.argv.includes('--write')) {
    writeFileSync(DEFAULT_PATHS.published, current);
    console.log(`wrote ${DEFAULT_PATHS.published}`);
    return;
  }
  const { problems, notes } = await checkSchema(current);
  for (const note of notes) console.log(note);
  for (const problem of problems) console.error(problem);
  if (problems.length) process.exitCode = 1;
  else console.log('schema check passed: schema.graphql is current and has no unacknowledged breaking change');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
