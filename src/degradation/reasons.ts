/**
 * The reason codes of docs/architecture.md § Contract: degradation, and what each means to a
 * client (the table in docs/degradation.md § Reason codes says the same). A client reads a code in
 * `extensions.degraded[].reason` and in a null field's `errors[].extensions.code`.
 *
 * A leaf module, with no imports, so that every layer may name a reason: http/ and resilience/
 * raise them through the error classes of src/errors.ts, degradation/ reports them. The lint rule
 * (eslint.config.js) lets the lower layers import this file and nothing else of src/degradation/.
 */
export const DEGRADATION_REASONS = {
  UPSTREAM_TIMEOUT: "the source, or the field's own @timeout, ran out of time",
  UPSTREAM_UNAVAILABLE: 'network error, connection reset, or 5xx / 408 / 429 after retries',
  CIRCUIT_OPEN: "the source's breaker is open: Ballast did not call it",
  BULKHEAD_FULL: 'the source already had its maximum of calls in flight',
  UPSTREAM_BAD_RESPONSE: 'not JSON, JSON nested too deep, far more items than asked, the wrong shape or types (for the batch or one item), or a 4xx; never retried',
  DEADLINE_EXCEEDED: "the request's overall budget ran out",
} as const;

/** Why a field was degraded: one of the codes above. */
export type DegradationReason = keyof typeof DEGRADATION_REASONS;
