import type { GraphQLResolveInfo } from 'graphql';
import { GraphQLError, responsePathAsArray } from 'graphql';
import type { BallastContext } from '../context.js';
import type { FallbackKind } from '../degradation.js';
import { DeadlineExceededError, UpstreamError, UpstreamTimeoutError } from '../errors.js';
import type { BoundOperation } from '../sources/operation.js';
import type DataLoader from 'dataloader';
import { fieldTimeoutMs } from './field-timeout.js';

/**
 * Loads `key` for the field being resolved and never lets a source failure escape as anything
 * but the field's fallback: the value if it arrives within the field's time (its `@timeout` and
 * the request deadline), else STALE → DEFAULT → NULL, each recorded for `extensions.degraded`.
 * NULL throws a `GraphQLError` carrying `code` and `source`, so the field gets its `errors[]` entry.
 */
export async function loadDegradable<V extends object>(
  context: BallastContext,
  info: GraphQLResolveInfo,
  operation: BoundOperation<V>,
  loader: DataLoader<string, V | null>,
  key: string,
): Promise<V | null> {
  try {
    return await withinFieldBudget(loader.load(key), context, info, operation.operation.source);
  } catch (error) {
    if (!(error instanceof UpstreamError)) throw error;
    return fallBack(context, info, operation, key, error);
  }
}

function fallBack<V extends object>(
  context: BallastContext,
  info: GraphQLResolveInfo,
  operation: BoundOperation<V>,
  key: string,
  error: UpstreamError,
): V {
  const source = operation.operation.source;
  const record = (fallback: FallbackKind, staleAgeMs?: number): void =>
    context.degradation.record({ source, reason: error.code, fallback, path: responsePathAsArray(info.path), ...(staleAgeMs === undefined ? {} : { staleAgeMs }) });
  const stale = operation.stale.get(key);
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

/** Races the load against the field's remaining time. The timer is cleared as soon as either settles. */
function withinFieldBudget<T>(load: Promise<T>, context: BallastContext, info: GraphQLResolveInfo, source: string): Promise<T> {
  const remaining = context.deadline.remainingMs();
  const fieldMs = fieldTimeoutMs(info, context.fieldTimeouts);
  const byField = fieldMs !== undefined && fieldMs < remaining;
  const budget = byField ? fieldMs : remaining;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        byField
          ? new UpstreamTimeoutError(source, `${info.parentType.name}.${info.fieldName} waited ${budget} ms for ${source}`)
          : new DeadlineExceededError(source, `request deadline ran out waiting for ${source}`),
      );
    }, budget);
    load.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
