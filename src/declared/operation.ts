import { z } from 'zod';
import { itemsByKey } from '../sources/batch-response.js';
import { idsParam } from '../sources/define.js';
import { parseBody } from '../sources/object-response.js';
import type { LoadContext, SourceOperation } from '../sources/operation.js';
import type { RestDeclaration } from './declarations.js';

// A declared field as a source operation, so it takes the same pipeline, stale cache and
// fallbacks as a coded one (docs/adding-a-data-source.md).

/** Separates the parent's key from the field's arguments in an operation key; never in an id that reaches JSON. */
const ARGS_SEPARATOR = '\u0000';

/** The operation key of one field value: the parent's key, then the arguments when the field has any. */
export function operationKey(declaration: RestDeclaration, key: string, args: Record<string, unknown>): string {
  if (declaration.args.length === 0) return key;
  return `${key}${ARGS_SEPARATOR}${JSON.stringify(declaration.args.map((name) => args[name] ?? null))}`;
}

interface SplitKey {
  key: string;
  /** The arguments as their JSON text: keys with equal text share one batch call. */
  argsText: string;
  args: Record<string, unknown>;
}

function splitKey(declaration: RestDeclaration, operationKeyText: string): SplitKey {
  const at = operationKeyText.indexOf(ARGS_SEPARATOR);
  if (at < 0) return { key: operationKeyText, argsText: '', args: {} };
  const argsText = operationKeyText.slice(at + 1);
  const values = JSON.parse(argsText) as unknown[];
  return { key: operationKeyText.slice(0, at), argsText, args: Object.fromEntries(declaration.args.map((name, index) => [name, values[index]])) };
}

export function declaredOperation(declaration: RestDeclaration): SourceOperation<object> {
  const defaultValue = declaration.defaultValue;
  return {
    source: declaration.source,
    name: declaration.coordinate,
    ...(declaration.batchKey === undefined ? { batch: false } : {}),
    load: declaration.batchKey === undefined ? (keys, context) => loadEach(declaration, keys, context) : (keys, context) => loadBatches(declaration, keys, context),
    ...(defaultValue ? { defaultValue: () => structuredClone(defaultValue) } : {}),
  };
}

/** Batch mode: one `GET path?<batchKey>=a,b` per distinct set of arguments (usually one per request). */
async function loadBatches(declaration: RestDeclaration, keys: readonly string[], context: LoadContext): Promise<Array<object | null | Error>> {
  const split = keys.map((key) => splitKey(declaration, key));
  const groups = new Map<string, number[]>();
  split.forEach((entry, index) => groups.set(entry.argsText, [...(groups.get(entry.argsText) ?? []), index]));
  const results: Array<object | null | Error> = new Array(keys.length);
  await Promise.all(
    [...groups.values()].map(async (indexes) => {
      const first = split[indexes[0]!]!;
      const ids = indexes.map((index) => split[index]!.key);
      const query = [`${encodeURIComponent(declaration.batchKey!)}=${idsParam(ids)}`, ...argumentParams(declaration, first.args)].join('&');
      const values = await context.fetch({
        method: 'GET',
        path: `${fillPath(declaration, first.key, first.args)}?${query}`,
        route: declaration.path,
        idempotent: true,
        parse: ({ body }) => itemsByKey(context.source, body, ids, declaration.value, declaration.keyField!),
      });
      indexes.forEach((index, position) => (results[index] = values[position]!));
    }),
  );
  return results;
}

/** One `GET` per key, the key in the path or in `?<keyParam>=`; a 404 is "not found" (null). */
function loadEach(declaration: RestDeclaration, keys: readonly string[], context: LoadContext): Promise<Array<object | null | Error>> {
  const answer = declaration.list ? z.object({ items: declaration.value }) : declaration.value;
  return Promise.all(
    keys.map((operationKeyText) => {
      const { key, args } = splitKey(declaration, operationKeyText);
      const params = [...(declaration.keyParam === undefined ? [] : [`${encodeURIComponent(declaration.keyParam)}=${encodeURIComponent(key)}`]), ...argumentParams(declaration, args)];
      return context
        .fetch({
          method: 'GET',
          path: `${fillPath(declaration, key, args)}${params.length ? `?${params.join('&')}` : ''}`,
          route: declaration.path,
          idempotent: true,
          acceptStatuses: [404],
          parse: ({ status, body }) => (status === 404 ? null : unwrap(declaration, parseBody(context.source, body, answer))),
        })
        .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
    }),
  );
}

function unwrap(declaration: RestDeclaration, parsed: unknown): object {
  return declaration.list ? (parsed as { items: object }).items : (parsed as object);
}

/** `{from}` becomes the key, `{arg}` the argument; each encoded, so a slash in an id cannot change the path. */
function fillPath(declaration: RestDeclaration, key: string, args: Record<string, unknown>): string {
  return declaration.path.replace(/\{([^}]*)\}/g, (_match, name: string) => encodeURIComponent(name === declaration.from ? key : String(args[name] ?? '')));
}

/** Arguments not used in the path, as query parameters; null arguments are left out. */
function argumentParams(declaration: RestDeclaration, args: Record<string, unknown>): string[] {
  return declaration.args
    .filter((name) => !declaration.path.includes(`{${name}}`) && args[name] !== null && args[name] !== undefined)
    .map((name) => `${encodeURIComponent(name)}=${encodeURIComponent(String(args[name]))}`);
}
