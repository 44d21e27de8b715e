import type { z } from 'zod';
import type { PolicyOverrides } from '../resilience/policy.js';
import type { UpstreamResponse } from '../http/upstream-client.js';
import { idsParam, itemsByKey } from './batch-response.js';
import type { LoadContext, SourceOperation } from './operation.js';

export type { PolicyOverrides } from '../resilience/policy.js';

/** An operation as a source declares it; `defineSource` fills in `source` and `name`. */
export type OperationDefinition<V extends object> = Omit<SourceOperation<V>, 'source' | 'name'>;

export interface SourceDefinition<N extends string, O extends Record<string, SourceOperation<object>>> {
  /** Source name: config key, metric label, `extensions.degraded[].source`. */
  name: N;
  /** Environment variable with the base URL. @default `<NAME>_URL` */
  urlVariable: string;
  /** Code defaults for this source's resilience policy. */
  policy: PolicyOverrides;
  operations: O;
}

// Every OperationDefinition<V> is an OperationDefinition<object> (V only appears in results), and
// each operation's own V is recovered by inference in Bound below.
type Definitions = Record<string, OperationDefinition<object>>;
type Bound<N extends string, D extends Definitions> = { [K in keyof D]: D[K] extends OperationDefinition<infer V> ? SourceOperation<V> & { source: N } : never };

/**
 * Declares an upstream REST service: its name, URL variable, policy defaults and the operations
 * resolvers may call. Every operation goes through the source's pipeline (bulkhead, timeouts,
 * retries with budget, breaker) and has a stale cache: resilience is on by default.
 * See docs/adding-a-data-source.md.
 */
export function defineSource<N extends string, D extends Definitions>(definition: {
  name: N;
  urlVariable?: string;
  policy?: PolicyOverrides;
  operations: D;
}): SourceDefinition<N, Bound<N, D>> {
  const operations = Object.fromEntries(
    Object.entries(definition.operations).map(([name, operation]) => [name, { ...operation, source: definition.name, name }]),
  ) as Bound<N, D>;
  return {
    name: definition.name,
    urlVariable: definition.urlVariable ?? `${definition.name.toUpperCase()}_URL`,
    policy: definition.policy ?? {},
    operations,
  };
}

/**
 * The common case: `GET <path(keys)>` answering `{"items":[…]}`, items matched back to keys by
 * `keyField`, each validated by `item` (a bad item fails only its key; an omitted key is null).
 */
export function batchByKey<T extends object>(options: {
  path: (keys: readonly string[], context: LoadContext) => string;
  item: z.ZodType<T>;
  keyField: string;
  defaultValue?: (key: string) => T;
}): OperationDefinition<T> {
  return {
    load: (keys, context) =>
      context.fetch({
        method: 'GET',
        path: options.path(keys, context),
        idempotent: true,
        parse: ({ body }) => itemsByKey(context.source, body, keys, options.item, options.keyField),
      }),
    ...(options.defaultValue ? { defaultValue: options.defaultValue } : {}),
  };
}

/** For upstreams without a batch endpoint: `GET <path(key)>` once per key, `notFound` for a 404. */
export function onePerKey<T extends object>(options: {
  path: (key: string) => string;
  /** The path as a template for traces, e.g. `/carts/{userId}`: a user id must not name a span. */
  route?: string;
  parse: (body: unknown, key: string, context: LoadContext) => T;
  notFound?: (key: string) => T;
  defaultValue?: (key: string) => T;
  /** Mutations write these values (see `SourceOperation.written`). */
  written?: boolean;
}): OperationDefinition<T> {
  return {
    batch: false,
    ...(options.written ? { written: true } : {}),
    load: (keys, context) =>
      Promise.all(
        keys.map((key) =>
          context.fetch({
            method: 'GET',
            path: options.path(key),
            ...(options.route ? { route: options.route } : {}),
            idempotent: true,
            ...(options.notFound ? { acceptStatuses: [404] } : {}),
            parse: ({ status, body }: UpstreamResponse) => (status === 404 && options.notFound ? options.notFound(key) : options.parse(body, key, context)),
          }),
        ),
      ),
    ...(options.defaultValue ? { defaultValue: options.defaultValue } : {}),
  };
}

export { idsParam };
