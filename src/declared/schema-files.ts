import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The SDL files, read without loading resolvers or sources: the config needs the declared source
// names (docs/adding-a-data-source.md) before anything else is built.

/** schema/ of the repository, found from this file whether it runs from src/ (tsx, vitest) or dist/src/. */
const DEFAULT_SCHEMA_DIR = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../../schema/' : '../../schema/', import.meta.url));

/** `BALLAST_SCHEMA_DIR` when set (a deployment's own SDL folder), else the repository's schema/. */
export function schemaDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.BALLAST_SCHEMA_DIR || DEFAULT_SCHEMA_DIR;
}

/** Every .graphql file of `directory`, in name order. */
export function readTypeDefs(directory = schemaDir()): string[] {
  return readdirSync(directory)
    .filter((file) => file.endsWith('.graphql'))
    .sort()
    .map((file) => readFileSync(join(directory, file), 'utf8'));
}
