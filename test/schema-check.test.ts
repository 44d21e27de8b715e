import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSchema, DEFAULT_PATHS, printCurrentSchema } from '../scripts/schema-check.js';
import type { SchemaCheckPaths } from '../scripts/schema-check.js';

/** A temporary copy of the check's files: `current` published, the repo's schema.graphql as released. */
function tempCopy(current: string, acknowledgements: unknown[] = []): SchemaCheckPaths {
  const dir = mkdtempSync(join(tmpdir(), 'ballast-schema-'));
  const paths = { published: join(dir, 'schema.graphql'), released: join(dir, 'released.graphql'), acknowledged: join(dir, 'acknowledged.json') };
  writeFileSync(paths.published, current);
  writeFileSync(paths.released, readFileSync(DEFAULT_PATHS.published, 'utf8'));
  writeFileSync(paths.acknowledged, JSON.stringify(acknowledgements));
  return paths;
}

const published = readFileSync(DEFAULT_PATHS.published, 'utf8');
const DESCRIPTION_FIELD = '  """Marketing description."""\n  description: String\n';

describe('schema checks', () => {
  it('schema.graphql at the repo root is the schema the server builds (run npm run schema:check -- --write)', () => {
    expect(published).toBe(printCurrentSchema());
    expect(published).toContain('type Product implements Node {');
  });

  it('npm run schema:check passes on the repository as committed', () => {
    const run = spawnSync('npm', ['run', '--silent', 'schema:check'], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('schema check passed');
  });

  it('fails on a removed field, naming it', async () => {
    expect(published).toContain(DESCRIPTION_FIELD);
    const removed = published.replace(DESCRIPTION_FIELD, '');
    const { problems } = await checkSchema(removed, tempCopy(removed));
    expect(problems).toEqual(["breaking change not acknowledged: FIELD_REMOVED Product.description: Field 'description' was removed from object type 'Product'"]);
  });

  it('passes a removed field that is acknowledged with a reason', async () => {
    const removed = published.replace(DESCRIPTION_FIELD, '');
    const acknowledged = [{ type: 'FIELD_REMOVED', path: 'Product.description', reason: 'no client has read it since 2025' }];
    const { problems, notes } = await checkSchema(removed, tempCopy(removed, acknowledged));
    expect(problems).toEqual([]);
    expect(notes).toEqual(["acknowledged breaking change: FIELD_REMOVED Product.description: Field 'description' was removed from object type 'Product'"]);
  });

  it('passes a safe addition', async () => {
    const added = published.replace(DESCRIPTION_FIELD, `${DESCRIPTION_FIELD}  """Brand name."""\n  brand: String\n`);
    expect(added).not.toBe(published);
    expect(await checkSchema(added, tempCopy(added))).toEqual({ problems: [], notes: [] });
  });

  it('fails when schema.graphql is stale', async () => {
    const paths = tempCopy(published);
    const { problems } = await checkSchema(published.replace(DESCRIPTION_FIELD, ''), paths);
    expect(problems[0]).toBe('schema.graphql is stale: run `npm run schema:check -- --write` and commit it');
  });
});
