import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AbandonedCallError,
  BulkheadFullError,
  CallCancelledError,
  CircuitOpenError,
  DeadlineExceededError,
  UpstreamBadResponseError,
  UpstreamError,
  UpstreamRejectedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../../src/errors.js';
import { SourceBreaker } from '../../src/resilience/breaker.js';
import { DEFAULT_SOURCE_POLICY, policyWithOverrides } from '../../src/resilience/policy.js';

/**
 * Survivors of the tenth session's reruns of `breaker.ts`, `policy.ts` and `errors.ts`
 * (docs/testing.md § "Reruns (tenth session)"): what one breaker costs in timers, the operator's
 * message of a refused call, the merge of a source's header list over the defaults, and each
 * error class's name and code (the failure samples skip a cancelled call by its name).
 */
afterEach(() => {
  vi.restoreAllMocks();
});

describe('SourceBreaker: timers and refusals', () => {
  it('runs exactly one interval (opossum bucket rotation, window / 10 ms), with no snapshot timer next to it', () => {
    const intervals = vi.spyOn(globalThis, 'setInterval');
    const breaker = new SourceBreaker('pricing', { errorThresholdPercentage: 50, volumeThreshold: 10, windowMs: 10_000, resetTimeoutMs: 5_000 });
    try {
      expect(intervals).toHaveBeenCalledTimes(1);
      expect(intervals.mock.calls[0]?.[1]).toBe(1_000);
    } finally {
      breaker.shutdown();
      intervals.mockRestore();
    }
  });

  it('an open breaker refuses with CIRCUIT_OPEN, named for the operator "<source> circuit is open", without calling the action', async () => {
    const breaker = new SourceBreaker('pricing', { errorThresholdPercentage: 1, volumeThreshold: 1, windowMs: 600_000, resetTimeoutMs: 600_000 });
    try {
      await expect(breaker.fire(() => Promise.reject(new UpstreamUnavailableError('pricing', 'injected 503')))).rejects.toBeInstanceOf(UpstreamUnavailableError);
      expect(breaker.state).toBe('OPEN');
      let called = 0;
      const refused = await breaker.fire(() => Promise.resolve((called += 1))).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(CircuitOpenError);
      expect((refused as CircuitOpenError).message).toBe('pricing circuit is open');
      expect((refused as CircuitOpenError).code).toBe('CIRCUIT_OPEN');
      expect((refused as CircuitOpenError).source).toBe('pricing');
      expect(called).toBe(0);
    } finally {
      breaker.shutdown();
    }
  });
});

describe('policyWithOverrides: forwardHeaders', () => {
  it('without an override, the four default headers, in a fresh array', () => {
    const merged = policyWithOverrides({});
    expect(merged.forwardHeaders).toEqual(['authorization', 'accept-language', 'x-request-id', 'traceparent']);
    expect(merged.forwardHeaders).not.toBe(DEFAULT_SOURCE_POLICY.forwardHeaders);
  });

  it("a source's own list replaces the defaults, copied", () => {
    const own = ['x-tenant'];
    const merged = policyWithOverrides({ forwardHeaders: own });
    expect(merged.forwardHeaders).toEqual(['x-tenant']);
    expect(merged.forwardHeaders).not.toBe(own);
  });
});

describe('the upstream error classes', () => {
  const classes = [
    ['UpstreamError', 'UPSTREAM_UNAVAILABLE', UpstreamError],
    ['UpstreamTimeoutError', 'UPSTREAM_TIMEOUT', UpstreamTimeoutError],
    ['UpstreamUnavailableError', 'UPSTREAM_UNAVAILABLE', UpstreamUnavailableError],
    ['UpstreamRejectedError', 'UPSTREAM_BAD_RESPONSE', UpstreamRejectedError],
    ['UpstreamBadResponseError', 'UPSTREAM_BAD_RESPONSE', UpstreamBadResponseError],
    ['CircuitOpenError', 'CIRCUIT_OPEN', CircuitOpenError],
    ['BulkheadFullError', 'BULKHEAD_FULL', BulkheadFullError],
    ['AbandonedCallError', 'UPSTREAM_TIMEOUT', AbandonedCallError],
    ['DeadlineExceededError', 'DEADLINE_EXCEEDED', DeadlineExceededError],
    ['CallCancelledError', 'DEADLINE_EXCEEDED', CallCancelledError],
  ] as const;

  it.each(classes)('%s has code %s and is an UpstreamError', (name, code, ErrorClass) => {
    const error = new ErrorClass('pricing', 'went wrong');
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
    expect(String(error)).toBe(`${name}: went wrong`);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.source).toBe('pricing');
  });

  it('an abandoned call is a timeout', () => {
    expect(new AbandonedCallError('pricing', 'abandoned')).toBeInstanceOf(UpstreamTimeoutError);
  });

  it('carries status, Retry-After, body snippet and cause; without options, none of them', () => {
    const cause = new Error('socket hang up');
    const full = new UpstreamUnavailableError('pricing', '503', { status: 503, retryAfterMs: 1_500, bodySnippet: 'busy', cause });
    expect([full.status, full.retryAfterMs, full.bodySnippet, full.cause]).toEqual([503, 1_500, 'busy', cause]);
    const bare = new UpstreamUnavailableError('pricing', 'reset');
    expect([bare.status, bare.retryAfterMs, bare.bodySnippet, bare.cause]).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('captures no stack frames, and leaves Error.stackTraceLimit as it found it', () => {
    const before = Error.stackTraceLimit;
    const error = new CircuitOpenError('pricing', 'pricing circuit is open');
    expect(Error.stackTraceLimit).toBe(before);
    expect(error.stack?.split('\n').filter((line) => line.trimStart().startsWith('at '))).toEqual([]);
    expect(new Error('plain').stack?.split('\n').some((line) => line.trimStart().startsWith('at '))).toBe(true);
  });
});
