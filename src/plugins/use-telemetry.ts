import type { Plugin } from 'graphql-yoga';
import type { BallastContext } from '../context.js';
import { forgetRequestId, requestIdOf, traceIdOf } from '../context.js';
import type { RequestResult } from '../observability/metrics.js';
import type { Telemetry } from '../observability/telemetry.js';

/**
 * Kept in a WeakMap keyed by the request until the response goes out. Its `context` reaches that
 * request, and V8's scavenges keep a WeakMap value that reaches its own key alive (only a full GC
 * sees through the cycle), so the entry is deleted at the response: kept, it had every request's
 * context promoted to the old generation (bench/README.md § "Sixth session: what is promoted").
 */
interface RequestRecord {
  startedAt: number;
  context?: BallastContext;
  hasData: boolean;
  hasErrors: boolean;
}

/**
 * One log line and one metrics sample per GraphQL request (operation, duration, status, result,
 * degraded sources), and `x-request-id` on every response, the client's own when it sent one.
 */
export function useTelemetry(telemetry: Telemetry, graphqlPath = '/graphql'): Plugin<BallastContext> {
  const records = new WeakMap<Request, RequestRecord>();
  return {
    onRequest({ request, url }) {
      if (url.pathname === graphqlPath) records.set(request, { startedAt: performance.now(), hasData: false, hasErrors: false });
    },
    onExecute({ args }) {
      const context = args.contextValue;
      const record = records.get(context.request);
      if (!record) return undefined;
      record.context = context;
      return {
        onExecuteDone({ result }) {
          if (Symbol.asyncIterator in result) {
            record.hasData = true;
            return undefined;
          }
          record.hasData = result.data !== null && result.data !== undefined;
          record.hasErrors = (result.errors?.length ?? 0) > 0;
          return undefined;
        },
      };
    },
    onResponse({ request, response }) {
      const requestId = requestIdOf(request);
      // The last reader of the id: the header and the log line below (later payloads' warnings carry theirs).
      forgetRequestId(request);
      response.headers.set('x-request-id', requestId);
      const record = records.get(request);
      if (!record) return;
      records.delete(request);
      // GraphiQL's HTML page is not a GraphQL request.
      if (!record.context && response.headers.get('content-type')?.includes('text/html')) return;
      const degraded = record.context?.degradation.reported ?? [];
      telemetry.requestFinished({
        requestId,
        traceId: traceIdOf(request),
        operation: record.context?.operationName ?? 'unknown',
        result: resultOf(record, degraded.length > 0, response.status),
        status: response.status,
        durationMs: performance.now() - record.startedAt,
        degraded,
      });
    },
  };
}

function resultOf(record: RequestRecord, degraded: boolean, status: number): RequestResult {
  if (status >= 400 || (!record.hasData && (record.hasErrors || !record.context))) return 'error';
  return degraded || record.hasErrors ? 'partial' : 'ok';
}
