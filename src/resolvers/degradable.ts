import type { GraphQLResolveInfo } from 'graphql';
import { GraphQLError } from 'graphql';
import type { BallastContext } from '../context.js';
import type { FallbackKind } from '../degradation.js';
import { UpstreamError, UpstreamTimeoutError } from '../errors.js';
import type { BoundOperation } from '../sources/operation.js';
import { fieldTimeout } from './field-timeout.js';

/**
 * Loads `key` for the field being resolved and never lets a source failure escape as anything
 * but the field's fallback: the value if it arrives within the field's time (its `@timeout` and
 * the request deadline), else STALE → DEFAULT → NULL, each recorded for `extensions.degraded`.
 * NULL throws a `GraphQLError` carrying `code` and `source`, so the field gets its `errors[]` entry.
 */
export function loadDegradable<V extends object>(
  context: BallastContext,
  info: GraphQLResolveInfo,
  operation: BoundOperation<V>,
  key: string,
): Promise<V | null> | V | null {
  // Loaded earlier in this request (a cart's prices, by the time its products ask): no promise,
  // no timer, no DataLoader round.
  const known = context.settled(operation, key);
  if (known !== undefined) return known;
  // A `.then` chain rather than an async function: one promise less per field, on every field.
  return withinFieldBudget(context.loaderFor(operation).load(key), context, info, operation).then(undefined, (error: unknown) => {
    if (!(error instanceof UpstreamError)) throw error;
    return fallBack(context, info, operation, key, error);
  });
}

async function fallBack<V extends object>(
  context: BallastContext,
  info: GraphQLResolveInfo,
  operation: BoundOperation<V>,
  key: string,
  error: UpstreamError,
): Promise<V> {
  const source = operation.operation.source;
  const record = (fallback: FallbackKind, staleAgeMs?: number): void =>
    context.degradation.record({ source, reason: error.code, fallback, path: info.path, ...(staleAgeMs === undefined ? {} : { staleAgeMs }) });
  const stale = operation.stale.get(key) ?? (context.deadline.remainingMs() > 0 ? await operation.stale.getAnywhere(key) : undefined);
  if (stale) {
    record('STALE', stale.ageMs);
    return stale.value;
  }
  const fallbackValue = operation.operation.defaultValue?.(key);
  if (fallbackValue !== undefined) {
    record('DEFAULT');
    return fallbackValue;
  }
  record('NULL');
  throw new GraphQLError(`${source} is unavailable (${error.code})`, { extensions: { code: error.code, source } });
}

/**
 * Races the load against the field's own `@timeout`, when it has one shorter than what the
 * source call may take anyway. Without one, no race is needed: the pipeline ends every call by
 * min(source timeout, request deadline), so the load settles in time on its own.
 */
function withinFieldBudget<V extends object>(load: Promise<V | null>, context: BallastContext, info: GraphQLResolveInfo, operation: BoundOperation<V>): Promise<V | null> {
  const own = fieldTimeout(info, context.fieldTimeouts);
  if (!own) return load;
  const { coordinate, ms: fieldMs } = own;
  const source = operation.operation.source;
  const timer = context.sharedTimer(coordinate, () => {
    const remaining = context.deadline.remainingMs();
    if (fieldMs >= Math.min(remaining, operation.pipeline.timeoutMs)) return undefined;
    return {
      ms: fieldMs,
      reason: () => new UpstreamTimeoutError(source, `${coordinate} waited ${fieldMs} ms for ${source}`),
      onFire: () => context.abandon(source),
    };
  });
  return timer ? timer.race(load) : load;
}
