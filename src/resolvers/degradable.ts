import type { GraphQLResolveInfo } from 'graphql';
import type { BallastContext } from '../context.js';
import { UpstreamError, UpstreamTimeoutError } from '../errors.js';
import { fallBack } from '../degradation/fallback.js';
import type { BoundOperation } from '../sources/operation.js';
import { fieldTimeout } from './field-timeout.js';
import type { FieldTimeout } from './field-timeout.js';
import type { SharedTimer } from '../loads/shared-timer.js';

/**
 * Loads `key` for the field being resolved and never lets a source failure escape as anything
 * but the field's fallback: the value if it arrives within the field's time (its `@timeout` and
 * the request deadline), else STALE → DEFAULT → NULL, each recorded for `extensions.degraded`.
 * NULL throws a `GraphQLError` carrying `code` and `source`, so the field gets its `errors[]` entry.
 * `entry`: the index of the list entry this key feeds, when a list field (`nodes`, `favorites`)
 * loads one key per entry, so its fallback is reported at that entry (see `atEntry`).
 */
export function loadDegradable<V extends object>(
  context: BallastContext,
  info: GraphQLResolveInfo,
  operation: BoundOperation<V>,
  key: string,
  entry?: number,
): Promise<V | null> | V | null {
  // Loaded earlier in this request (a cart's prices, by the time its products ask): no promise,
  // no timer, no DataLoader round.
  const known = context.loads.settled(operation, key);
  if (known !== undefined) return known;
  // The breaker would refuse the call anyway: fall back at once, usually without a promise, so a
  // source that is down costs less than one that answers. One refusal per request is counted.
  if (operation.pipeline.failsFast) {
    if (context.loads.firstRefusal(operation)) operation.pipeline.reportRefused();
    return fallBack(context, atEntry(info, entry), operation, key, 'CIRCUIT_OPEN');
  }
  // A `.then` chain rather than an async function: one promise less per field, on every field.
  return withinFieldBudget(context.loads.loaderFor(operation).load(key), context, info, operation).then(undefined, (error: unknown) => {
    if (!(error instanceof UpstreamError)) throw error;
    return fallBack(context, atEntry(info, entry), operation, key, error.code);
  });
}

/**
 * The info a fallback is reported with: the field's own, or for entry `index` of a list field the
 * list's with that entry's path, the form errors[].path takes (docs/architecture.md § Contract:
 * degradation). The one home of that idea; built only when an entry falls back, so a healthy list
 * pays nothing for it.
 */
function atEntry(info: GraphQLResolveInfo, index: number | undefined): GraphQLResolveInfo {
  if (index === undefined) return info;
  return Object.create(info, { path: { value: { prev: info.path, key: index, typename: undefined } } }) as GraphQLResolveInfo;
}

/**
 * Races the load against the field's own `@timeout`, when it has one shorter than what the
 * source call may take anyway. Without one, no race is needed: the pipeline ends every call by
 * min(source timeout, request deadline), so the load settles in time on its own.
 */
function withinFieldBudget<V extends object>(load: Promise<V | null>, context: BallastContext, info: GraphQLResolveInfo, operation: BoundOperation<V>): Promise<V | null> {
  const timer = fieldTimer(context, fieldTimeout(info, context.fieldTimeouts), operation);
  return timer ? timer.race(load) : load;
}

/**
 * The request's shared timer for a field with its own time limit, created by whichever asks
 * first (the field, or a parent prefetching for it), so both wait on the same clock.
 */
export function fieldTimer<V extends object>(context: BallastContext, own: FieldTimeout | undefined, operation: BoundOperation<V>): SharedTimer | undefined {
  if (!own) return undefined;
  const { coordinate, ms: fieldMs } = own;
  const source = operation.source;
  return context.loads.sharedTimer(coordinate, () => {
    const remaining = context.deadline.remainingMs();
    if (fieldMs >= Math.min(remaining, operation.pipeline.timeoutMs)) return undefined;
    return {
      ms: fieldMs,
      reason: () => new UpstreamTimeoutError(source, `${coordinate} waited ${fieldMs} ms for ${source}`),
      onFire: () => context.loads.abandon(source),
    };
  });
}
