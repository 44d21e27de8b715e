import type { Fault } from '../../src/demo/index.js';

/**
 * The degradation matrix every source is held to (docs/degradation.md): each real fault the demo
 * services can inject, with the reason code a field of that source must report. One home for the
 * coded sources' matrix (test/degradation/faults.test.ts) and the declared one's
 * (test/sources/declared-faults.test.ts), so the two cannot drift apart.
 */
export const FAULT_MATRIX: ReadonlyArray<[string, Fault, string]> = [
  ['hang', { hang: true }, 'UPSTREAM_TIMEOUT'],
  ['100% 500', { errorRate: 1, errorStatus: 500 }, 'UPSTREAM_UNAVAILABLE'],
  ['503 with Retry-After', { errorRate: 1, errorStatus: 503, retryAfterSeconds: 1 }, 'UPSTREAM_UNAVAILABLE'],
  ['connection reset', { reset: true }, 'UPSTREAM_UNAVAILABLE'],
  ['malformed JSON', { malformedJson: true }, 'UPSTREAM_BAD_RESPONSE'],
  ['HTML page with 200', { htmlError: true }, 'UPSTREAM_BAD_RESPONSE'],
  ['wrong field types', { wrongTypes: true }, 'UPSTREAM_BAD_RESPONSE'],
  ['slow body', { slowBodyMs: 1500 }, 'UPSTREAM_TIMEOUT'],
  ['latency beyond the timeout', { latencyMs: 1500 }, 'UPSTREAM_TIMEOUT'],
];
