import type { UpstreamError } from '../errors.js';

/**
 * How the pipeline reports one request's upstream calls to a tracer, without knowing which one:
 * the OpenTelemetry implementation lives in src/observability/tracing-sdk.ts and is only loaded
 * when tracing is configured (docs/operations.md, "Tracing"). A scope without one costs nothing.
 */
export interface CallTracer {
  /** A span for one call of `source` (a batch, retries included) under the request's span. */
  startCall(source: string, method: string, route: string, origin: URL): CallSpan;
}

export type TraceAttributes = Record<string, string | number | boolean>;

/** The span of one call through a source's pipeline. */
export interface CallSpan {
  /** Facts known once the call starts (its time budget). */
  set(attributes: TraceAttributes): void;
  /** Something the pipeline did to this call: a bulkhead wait, a breaker refusal, a deadline cut. */
  event(name: string, attributes?: TraceAttributes): void;
  /** A child span for one HTTP attempt; `resendCount` is 0 for the first. */
  startAttempt(resendCount: number, timeoutMs: number): AttemptSpan;
  /** Ends the call span, failed with `error`'s code when there is one. */
  end(error?: UpstreamError): void;
}

/** The span of one HTTP exchange with the upstream. */
export interface AttemptSpan {
  /** Writes this attempt's W3C trace context (`traceparent`, `tracestate`) into `headers`. */
  inject(headers: Record<string, string>): void;
  /** Ends the attempt with the status the upstream answered (if it answered) and the error, if any. */
  end(status: number | undefined, error?: UpstreamError): void;
}
