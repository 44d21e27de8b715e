import { describe, expect, it } from 'vitest';
import { UpstreamBadResponseError, UpstreamRejectedError, UpstreamTimeoutError, UpstreamUnavailableError } from '../../src/errors.js';
import { retry, retryDelayMs } from '../../src/resilience/retry.js';
import { RetryBudget } from '../../src/resilience/retry-budget.js';

const options = { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 40 };
const context = (overrides = {}) => ({ signal: new AbortController().signal, remainingMs: () => 10_000, idempotent: true, random: () => 0.5, ...overrides });

function failing(errors: Error[], value = 'ok') {
  const calls: number[] = [];
  return {
    calls,
    attempt: async (n: number) => {
      calls.push(n);
      const error = errors.shift();
      if (error) throw error;
      return value;
    },
  };
}

describe('retry', () => {
  it('retries network errors and 5xx until an attempt succeeds', async () => {
    const upstream = failing([new UpstreamUnavailableError('s', 'reset'), new UpstreamUnavailableError('s', '503', { status: 503 })]);
    await expect(retry(upstream.attempt, options, context())).resolves.toBe('ok');
    expect(upstream.calls).toEqual([1, 2, 3]);
  });

  it('retries attempt timeouts', async () => {
    const upstream = failing([new UpstreamTimeoutError('s', 'slow')]);
    await expect(retry(upstream.attempt, options, context())).resolves.toBe('ok');
    expect(upstream.calls).toEqual([1, 2]);
  });

  it('stops at maxAttempts with the last error', async () => {
    const last = new UpstreamUnavailableError('s', 'third');
    const upstream = failing([new UpstreamUnavailableError('s', 'first'), new UpstreamUnavailableError('s', 'second'), last]);
    await expect(retry(upstream.attempt, options, context())).rejects.toBe(last);
    expect(upstream.calls).toEqual([1, 2, 3]);
  });

  it('never retries a 4xx, a bad payload or a non-idempotent call', async () => {
    for (const error of [new UpstreamRejectedError('s', '400', { status: 400 }), new UpstreamBadResponseError('s', 'html')]) {
      const upstream = failing([error]);
      await expect(retry(upstream.attempt, options, context())).rejects.toBe(error);
      expect(upstream.calls).toEqual([1]);
    }
    const post = failing([new UpstreamUnavailableError('s', '503')]);
    await expect(retry(post.attempt, options, context({ idempotent: false }))).rejects.toThrow('503');
    expect(post.calls).toEqual([1]);
  });

  it('does not retry when the backoff would outlast the time left', async () => {
    const upstream = failing([new UpstreamUnavailableError('s', '503', { retryAfterMs: 5000 })]);
    await expect(retry(upstream.attempt, options, context({ remainingMs: () => 1000 }))).rejects.toThrow('503');
    expect(upstream.calls).toEqual([1]);
  });

  it('stops when the retry budget is spent and says so', async () => {
    const budget = new RetryBudget({ ratio: 0, minRetriesPerSecond: 0 });
    let exhausted = 0;
    const upstream = failing([new UpstreamUnavailableError('s', '503')]);
    await expect(retry(upstream.attempt, options, context({ budget, onBudgetExhausted: () => exhausted++ }))).rejects.toThrow('503');
    expect(upstream.calls).toEqual([1]);
    expect(exhausted).toBe(1);
  });
});

describe('retryDelayMs', () => {
  it('uses full jitter under an exponential ceiling with a cap', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => retryDelayMs(new UpstreamUnavailableError('s', 'x'), attempt, options, () => 0.999))).toEqual([9, 19, 39, 39, 39]);
    expect(retryDelayMs(new UpstreamUnavailableError('s', 'x'), 3, options, () => 0)).toBe(0);
  });

  it('honours Retry-After over the backoff', () => {
    expect(retryDelayMs(new UpstreamUnavailableError('s', 'x', { retryAfterMs: 1000 }), 1, options, () => 0.5)).toBe(1000);
  });
});

describe('RetryBudget', () => {
  it('allows retries up to ratio × calls plus the floor within the window', () => {
    const budget = new RetryBudget({ ratio: 0.2, minRetriesPerSecond: 0, windowMs: 10_000 });
    const now = 1_000_000;
    for (let i = 0; i < 100; i++) budget.recordCall(now);
    let granted = 0;
    while (budget.tryAcquireRetry(now)) granted++;
    expect(granted).toBe(20);
  });

  it('forgets calls and retries once they leave the window', () => {
    const budget = new RetryBudget({ ratio: 0.5, minRetriesPerSecond: 0, windowMs: 1000 });
    for (let i = 0; i < 4; i++) budget.recordCall(1000);
    expect(budget.tryAcquireRetry(1000)).toBe(true);
    expect(budget.tryAcquireRetry(1000)).toBe(true);
    expect(budget.tryAcquireRetry(1000)).toBe(false);
    expect(budget.tryAcquireRetry(3000)).toBe(false);
    budget.recordCall(3000);
    budget.recordCall(3000);
    expect(budget.tryAcquireRetry(3000)).toBe(true);
  });
});
