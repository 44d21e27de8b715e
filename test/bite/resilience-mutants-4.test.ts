import { afterEach, describe, expect, it, vi } from 'vitest';
import { CircuitOpenError, UpstreamUnavailableError } from '../../src/errors.js';
import { SourceBreaker } from '../../src/resilience/breaker.js';
import { DEFAULT_SOURCE_POLICY, policyWithOverrides } from '../../src/resilience/policy.js';

/**
 * Survivors of the tenth session's reruns of `breaker.ts` and `policy.ts` (docs/testing.md
 * § "Reruns (tenth session)"): what one breaker costs in timers, the operator's message of a
 * refused call, and the merge of a source's header list over the defaults.
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
