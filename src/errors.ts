import type { DegradationReason } from './degradation/reasons.js';

// The codes and their meaning live in src/degradation/reasons.ts; re-exported for the layers that
// import them with the error classes.
export type { DegradationReason } from './degradation/reasons.js';

/**
 * Why an upstream call failed, as an error class per reason code (src/degradation/reasons.ts).
 * Every failure that leaves the resilience pipeline is an `UpstreamError`, so fallbacks and reports
 * switch on `code`.
 */

export interface UpstreamErrorOptions {
  status?: number;
  retryAfterMs?: number;
  bodySnippet?: string;
  cause?: unknown;
}

/** Base of every upstream failure; `source` names the data source, `status` the HTTP status if any. */
export class UpstreamError extends Error {
  override name = 'UpstreamError';
  readonly code: DegradationReason = 'UPSTREAM_UNAVAILABLE';
  readonly source: string;
  readonly status: number | undefined;
  /** Seconds or HTTP-date from a `Retry-After` header, parsed to milliseconds from now. */
  readonly retryAfterMs: number | undefined;
  /** The start of the upstream's answer body, for failure samples; never sent to clients. */
  readonly bodySnippet: string | undefined;

  constructor(source: string, message: string, options: UpstreamErrorOptions = {}) {
    // No stack: it would only show the pipeline's own frames, never the upstream's failure, and
    // capturing it is most of what a failing call costs (an open breaker fails thousands a second).
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message, { cause: options.cause });
    Error.stackTraceLimit = stackTraceLimit;
    this.source = source;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.bodySnippet = options.bodySnippet;
  }
}

/** An attempt or the whole call ran past its timeout. */
export class UpstreamTimeoutError extends UpstreamError {
  override name = 'UpstreamTimeoutError';
  override readonly code = 'UPSTREAM_TIMEOUT';
}

/** Network error, reset, or a 5xx / 408 / 429 status (after retries, when retries were allowed). */
export class UpstreamUnavailableError extends UpstreamError {
  override name = 'UpstreamUnavailableError';
  override readonly code = 'UPSTREAM_UNAVAILABLE';
}

/** The upstream answered a status the call does not accept (4xx): the request, not the service, is wrong. */
export class UpstreamRejectedError extends UpstreamError {
  override name = 'UpstreamRejectedError';
  override readonly code = 'UPSTREAM_BAD_RESPONSE';
}

/** The body was not JSON, or not the shape docs/architecture.md § Contract: the upstream REST services promises (whole batch or one item). */
export class UpstreamBadResponseError extends UpstreamError {
  override name = 'UpstreamBadResponseError';
  override readonly code = 'UPSTREAM_BAD_RESPONSE';
}

/** The source's breaker is open: the call was refused without reaching the network. */
export class CircuitOpenError extends UpstreamError {
  override name = 'CircuitOpenError';
  override readonly code = 'CIRCUIT_OPEN';
}

/** The source's bulkhead had no free slot or queue place. Not a breaker failure. */
export class BulkheadFullError extends UpstreamError {
  override name = 'BulkheadFullError';
  override readonly code = 'BULKHEAD_FULL';
}

/**
 * A field stopped waiting for this call (its `@timeout` fired) and the request has ended: the
 * call is aborted, and counts as a timeout against the source, which was too slow for its consumers.
 */
export class AbandonedCallError extends UpstreamTimeoutError {
  override name = 'AbandonedCallError';
}

/** The request's overall budget ran out before the source answered. */
export class DeadlineExceededError extends UpstreamError {
  override name = 'DeadlineExceededError';
  override readonly code = 'DEADLINE_EXCEEDED';
}

/**
 * The request that wanted this call is finished (response sent, client gone): the call was
 * aborted on purpose. Neither a breaker failure nor a reason to retry.
 */
export class CallCancelledError extends UpstreamError {
  override name = 'CallCancelledError';
  override readonly code = 'DEADLINE_EXCEEDED';
}
