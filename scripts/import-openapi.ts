/**
 * `npm run import-openapi -- spec.yaml [--source name] [--parent Type]`: prints `@rest`
 * declarations for the GET operations of an OpenAPI 3 document; save them as
 * schema/<source>.graphql and review them. See docs/adding-a-data-source.md.
 */
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { openApiToSdl } from './openapi-to-sdl.js';
import type { OpenApiDocument } from './openapi-to-sdl.js';

try {
  const { values, positionals } = parseArgs({ options: { source: { type: 'string' }, parent: { type: 'string' } }, allowPositionals: true });
  const file = positionals[0];
  if (!file) throw new Error('usage: npm run import-openapi -- spec.yaml [--source name] [--parent Type]');
  const text = readFileSync(file, 'utf8');
  const document = (extname(file) === '.json' ? JSON.parse(text) : parseYaml(text)) as OpenApiDocument;
  const source = values.source ?? basename(file, extname(file)).toLowerCase().replace(/[^a-z0-9]/g, '');
  process.stdout.write(openApiToSdl(document, { source, parent: values.parent ?? 'Product' }));
} catch (error) {
  process.stderr.write(`import-openapi: ${(error as Error).message}\n`);
  process.exit(2);
}
