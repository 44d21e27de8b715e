import { z } from 'zod';
import { itemsByKey } from '../sources/batch-response.js';
import { idsParam } from '../sources/define.js';
import { parseBody } from '../sources/object-response.js';
import type { LoadContext, SourceOperation } from '../sources/operation.js';
import type { RestDeclaration } from './declarations.js';
import { resolveValue } from './gateway-values.js';
import type { GatewayValues } from './gateway-values.js';

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

/**
 * What a declaration becomes once this gateway's values are known, built once per gateway rather
 * than per call: the `query:` parameters as text, the answer's check with the `match:` rule.
 */
interface Compiled {
  declaration: RestDeclaration;
  /** `name=value` of each `query:` pair, encoded. */
  constantParams: string[];
  /**
   * A batch field without arguments: its whole URL but the ids, built here once
   * (`/prices?ids=` and `&currency=USD`), so a call only joins the ids between them.
   */
  batchUrl: { before: string; after: string } | undefined;
  /** An item (batch) or the answer (one per key), checked against the type and `match:`. */
  answer: z.ZodType<object>;
}

/** A declared field's operation. */
export interface DeclaredOperation extends SourceOperation<object> {
  /**
   * The field has no arguments, so its operation key is the parent's key alone: a parent may load
   * it ahead by that key (a page's prices) and the field finds the value.
   */
  keyedByParentAlone: boolean;
}

export function declaredOperation(declaration: RestDeclaration, gateway: GatewayValues): DeclaredOperation {
  const defaultValue = declaration.defaultValue;
  const compiled = compile(declaration, gateway);
  return {
    source: declaration.source,
    name: declaration.coordinate,
    keyedByParentAlone: declaration.args.length === 0,
    ...(declaration.batchKey === undefined ? { batch: false } : {}),
    load: declaration.batchKey === undefined ? (keys, context) => loadEach(compiled, keys, context) : (keys, context) => loadBatches(compiled, keys, context),
    ...(defaultValue ? { defaultValue: () => structuredClone(defaultValue) } : {}),
  };
}

/** The check of a declared field's answer (a batch item, or the whole answer of a one-per-key call), as its operation runs it. */
export function declaredAnswerSchema(declaration: RestDeclaration, gateway: GatewayValues): z.ZodType<object> {
  return compile(declaration, gateway).answer;
}

function compile(declaration: RestDeclaration, gateway: GatewayValues): Compiled {
  const constantParams = declaration.query.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(resolveValue(value, gateway))}`);
  const expected = declaration.match.map(([field, value]) => [field, resolveValue(value, gateway)] as const);
  // A batch item is always an object carrying its key (./batch-response.ts drops the rest), so it
  // takes the check without the null wrapper: the hot path of a batched field.
  const base = declaration.batchKey === undefined ? declaration.value : declaration.item;
  const checked = expected.length === 0 ? base : base.superRefine((item, issues) => matchItem(item as Record<string, unknown> | null, expected, issues));
  const answer = declaration.list ? z.object({ items: checked }).transform(({ items }) => items as object) : checked;
  const batchUrl = declaration.batchKey === undefined || declaration.args.length > 0 ? undefined : { before: `${declaration.path}?${encodeURIComponent(declaration.batchKey)}=`, after: constantParams.map((param) => `&${param}`).join('') };
  return { declaration, constantParams, answer, batchUrl };
}

/** A field that differs from what was asked (a price in another currency) makes the item a bad answer, never passed on. */
function matchItem(item: Record<string, unknown> | null, expected: ReadonlyArray<readonly [string, string]>, issues: z.RefinementCtx): void {
  // A null answer of a one-per-key field is "not found": nothing was answered to differ.
  if (item === null) return;
  for (const [field, value] of expected) {
    if (item[field] !== value) issues.addIssue({ code: 'custom', path: [field], message: `is ${JSON.stringify(item[field])}, not ${value} as asked` });
  }
}

/** Batch mode: one `GET path?<batchKey>=a,b` per distinct set of arguments (usually one per request). */
async function loadBatches(compiled: Compiled, keys: readonly string[], context: LoadContext): Promise<Array<object | null | Error>> {
  const { declaration } = compiled;
  // Without arguments every key is its own id and all share one call: no split, no grouping.
  if (declaration.args.length === 0) return loadBatch(compiled, keys, { key: keys[0]!, argsText: '', args: {} }, context);
  const split = keys.map((key) => splitKey(declaration, key));
  const groups = new Map<string, number[]>();
  split.forEach((entry, index) => {
    const group = groups.get(entry.argsText);
    if (group) group.push(index);
    else groups.set(entry.argsText, [index]);
  });
  const results: Array<object | null | Error> = new Array(keys.length);
  await Promise.all(
    [...groups.values()].map(async (indexes) => {
      const ids = indexes.map((index) => split[index]!.key);
      const values = await loadBatch(compiled, ids, split[indexes[0]!]!, context);
      indexes.forEach((index, position) => (results[index] = values[position]!));
    }),
  );
  return results;
}

/** One batch call for `ids`, which share the arguments of `first`. */
function loadBatch(compiled: Compiled, ids: readonly string[], first: SplitKey, context: LoadContext): Promise<Array<object | null | Error>> {
  const { declaration, batchUrl } = compiled;
  const path = batchUrl
    ? `${batchUrl.before}${idsParam(ids)}${batchUrl.after}`
    : `${fillPath(declaration, first.key, first.args)}?${[`${encodeURIComponent(declaration.batchKey!)}=${idsParam(ids)}`, ...argumentParams(declaration, first.args), ...compiled.constantParams].join('&')}`;
  return context.fetch({
    method: 'GET',
    path,
    route: declaration.path,
    idempotent: true,
    parse: ({ body }) => itemsByKey(context.source, body, ids, compiled.answer, declaration.keyField!),
  });
}

/** One `GET` per key, the key in the path or in `?<keyParam>=`; a 404 is "not found" (null). */
function loadEach(compiled: Compiled, keys: readonly string[], context: LoadContext): Promise<Array<object | null | Error>> {
  const { declaration, answer } = compiled;
  return Promise.all(
    keys.map((operationKeyText) => {
      const { key, args } = splitKey(declaration, operationKeyText);
      const params = [...(declaration.keyParam === undefined ? [] : [`${encodeURIComponent(declaration.keyParam)}=${encodeURIComponent(key)}`]), ...argumentParams(declaration, args), ...compiled.constantParams];
      return context
        .fetch({
          method: 'GET',
          path: `${fillPath(declaration, key, args)}${params.length ? `?${params.join('&')}` : ''}`,
          route: declaration.path,
          idempotent: true,
          acceptStatuses: [404],
          parse: ({ status, body }) => (status === 404 ? null : parseBody(context.source, body, answer)),
        })
        .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
    }),
  );
}

/** `{from}` becomes the key, `{arg}` the argument; each encoded, so a slash in an id cannot change the path. */
function fillPath(declaration: RestDeclaration, key: string, args: Record<string, unknown>): string {
  if (!declaration.path.includes('{')) return declaration.path;
  return declaration.path.replace(/\{([^}]*)\}/g, (_match, name: string) => encodeURIComponent(name === declaration.from ? key : String(args[name] ?? '')));
}

/** Arguments not used in the path, as query parameters; null arguments are left out. */
function argumentParams(declaration: RestDeclaration, args: Record<string, unknown>): string[] {
  return declaration.args
    .filter((name) => !declaration.path.includes(`{${name}}`) && args[name] !== null && args[name] !== undefined)
    .map((name) => `${encodeURIComponent(name)}=${encodeURIComponent(String(args[name]))}`);
}
