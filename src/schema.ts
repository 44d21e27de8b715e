import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GraphQLSchema } from 'graphql';
import { createSchema } from 'graphql-yoga';
import type { BallastContext } from './context.js';
import { resolvers } from './resolvers/index.js';
import { loadDeclarations } from './declared/declarations.js';
import { declaredResolvers } from './declared/resolvers.js';
import { readTypeDefs } from './declared/schema-files.js';

/** The SDL folder, found from this file whether it runs from src/ (tsx, vitest) or dist/src/. */
export const SCHEMA_DIR = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../schema/' : '../schema/', import.meta.url));

export function loadTypeDefs(directory = SCHEMA_DIR): string[] {
  return readdirSync(directory)
    .filter((file) => file.endsWith('.graphql'))
    .sort()
    .map((file) => readFileSync(join(directory, file), 'utf8'));
}

/**
 * `Type.field` of every field with a coded resolver (`Money.formatted`): a declared source's
 * answer need not carry them, Ballast computes them (docs/adding-a-data-source.md).
 */
export const RESOLVED_FIELDS: ReadonlySet<string> = new Set(
  Object.entries(resolvers).flatMap(([type, fields]) => Object.keys(fields as object).map((field) => `${type}.${field}`)),
);

/**
 * The executable schema: every .graphql file of schema/ (or BALLAST_SCHEMA_DIR), the resolvers of
 * src/resolvers/ and one per `@rest` field (docs/adding-a-data-source.md). Throws `DeclarationError`
 * on a bad declaration.
 */
export function createBallastSchema(typeDefs: readonly string[] = readTypeDefs()): GraphQLSchema {
  return createSchema<BallastContext>({ typeDefs: [...typeDefs], resolvers: [resolvers, declaredResolvers(loadDeclarations(typeDefs, RESOLVED_FIELDS))] });
}
