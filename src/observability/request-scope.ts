import { AsyncLocalStorage } from 'node:async_hooks';

/** The ids of the request being served, for every log line written while serving it. */
export interface RequestIds {
  requestId?: string;
  traceId?: string;
}

/**
 * Each HTTP request runs inside its own scope (started by the server, filled in by the telemetry
 * plugin once the ids are known), so a line logged deep in a pipeline — a breaker opening, a
 * retry budget running out — names the request that caused it without passing it down.
 */
export const requestScope = new AsyncLocalStorage<RequestIds>();

/** The current request's ids, as log fields; none outside a request. */
export function requestLogFields(): RequestIds {
  const ids = requestScope.getStore();
  if (!ids?.requestId) return {};
  return ids.traceId ? { requestId: ids.requestId, traceId: ids.traceId } : { requestId: ids.requestId };
}
