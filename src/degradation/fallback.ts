import type { GraphQLResolveInfo } from 'graphql';
import { GraphQLError } from 'graphql';
import type { BallastContext } from '../context.js';
import type { DegradationReason } from './reasons.js';
import type { BoundOperation } from '../sources/operation.js';

// The fallback order of docs/architecture.md § Contract: degradation, in one place:
// STALE (younger than the source's maxStaleMs) → DEFAULT (the operation's declared default) →
// NULL (with an errors[] entry carrying code and source). Each step is recorded for the report.

/**
 * STALE, else DEFAULT or NULL. Memory answers first, without a promise, for values nothing writes.
 * For values mutations write (`written` operations: a cart, favorites) with a shared store (the
 * host's primary, or Redis) and time left, STALE is the newer of memory's value and the store's:
 * this process's memory may hold a value older than one another worker wrote there, and a degraded
 * read never serves a value older than a write (docs/degradation.md, "Writes"). A miss in memory
 * asks the shared store too (the only other case that needs a promise).
 */
export function fallBack<V extends object>(context: BallastContext, info: GraphQLResolveInfo, operation: BoundOperation<V>, key: string, reason: DegradationReason): V | Promise<V> {
  const askStore = operation.stale.shared && context.deadline.remainingMs() > 0;
  if (!(askStore && operation.definition.written)) {
    const local = operation.stale.get(key);
    if (local) return servedStale(context, info, operation, reason, local);
  }
  if (askStore) {
    return operation.stale.getAnywhere(key).then((found) => (found ? servedStale(context, info, operation, reason, found) : withoutStale(context, info, operation, key, reason)));
  }
  return withoutStale(context, info, operation, key, reason);
}

function servedStale<V extends object>(context: BallastContext, info: GraphQLResolveInfo, operation: BoundOperation<V>, reason: DegradationReason, stale: { value: V; ageMs: number }): V {
  context.degradation.record({ source: operation.source, reason, fallback: 'STALE', path: info.path, staleAgeMs: stale.ageMs });
  return stale.value;
}

function withoutStale<V extends object>(context: BallastContext, info: GraphQLResolveInfo, operation: BoundOperation<V>, key: string, reason: DegradationReason): V {
  const source = operation.source;
  const fallbackValue = operation.definition.defaultValue?.(key);
  if (fallbackValue !== undefined) {
    context.degradation.record({ source, reason, fallback: 'DEFAULT', path: info.path });
    return fallbackValue;
  }
  context.degradation.record({ source, reason, fallback: 'NULL', path: info.path });
  throw new GraphQLError(`${source} is unavailable (${reason})`, { extensions: { code: reason, source } });
}
