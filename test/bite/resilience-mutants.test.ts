import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UpstreamUnavailableError } from '../../src/errors.js';
import { retry } from '../../src/resilience/retry.js';
import { RetryBudget } from '../../src/resilience/retry-budget.js';
import { CallAbort, sleep } from '../../src/resilience/timeout.js';

/**
 * The promises of the pipeline's timers and retries that the suite did not hold (docs/testing.md
 * § Mutation testing, run T): a timer fires after exactly its ms, an already aborted signal
 * refuses at once, `dispose()` and a finished `sleep` leave no listener on a long-lived parent
 * signal, and retry's edge cases (a backoff ending exactly at the deadline, no callback given).
 * Fake timers where the promise is about which callbacks run, not wall-clock time.
 */
afterEach(() => {
  vi.useRealTimers();
});

const listenersOf = (signal: AbortSignal): number => getEventListeners(signal, 'abort').length;

describe('CallAbort listener bookkeeping', () => {
  it('removing a listener that was never added removes nothing (not the last one)', () => {
    const signal = new CallAbort();
    const calls: string[] = [];
    signal.addEventListener('abort', () => calls.push('first'));
    signal.addEventListener('abort', () => calls.push('second'));
    signal.removeEventListener('abort', () => calls.push('stranger'));
    signal.abort(new Error('stop'));
    expect(calls).toEqual(['first', 'second']);
  });

  it('removing the first listener removes exactly that one', () => {
    const signal = new CallAbort();
    const calls: string[] = [];
    const first = (): number => calls.push('first');
    signal.addEventListener('abort', first);
    signal.addEventListener('abort', () => calls.push('second'));
    signal.removeEventListener('abort', first);
    signal.abort(new Error('stop'));
    expect(calls).toEqual(['second']);
  });

  it('removing from a signal that never had a listener is a no-op, and it still aborts', () => {
    const signal = new CallAbort();
    expect(() => signal.removeEventListener('abort', () => undefined)).not.toThrow();
    signal.abort(new Error('stop'));
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).message).toBe('stop');
  });

  it('starts neither aborted nor with a reason', () => {
    const signal = new CallAbort();
    expect(signal.aborted).toBe(false);
    expect(signal.reason).toBeUndefined();
  });
});

describe('sleep', () => {
  it('an already aborted signal rejects at once with its reason (a real AbortSignal and a CallAbort)', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    const own = new CallAbort();
    own.abort(new Error('gone too'));
    const settled: string[] = [];
    const record = (promise: Promise<void>): Promise<void> => promise.then(() => void settled.push('resolved'), (error: Error) => void settled.push(error.message));
    const both = Promise.all([record(sleep(1000, controller.signal)), record(sleep(1000, own))]);
    await vi.advanceTimersByTimeAsync(0);
    await both;
    expect(settled).toEqual(['gone', 'gone too']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('resolves after exactly ms and leaves no listener on the signal', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    let done = false;
    const waiting = sleep(100, controller.signal).then(() => {
      done = true;
    });
    expect(listenersOf(controller.signal)).toBe(1);
    await vi.advanceTimersByTimeAsync(99);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await waiting;
    expect(done).toBe(true);
    expect(listenersOf(controller.signal)).toBe(0);
  });

  it('an abort while waiting rejects and clears the timer', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const waiting = sleep(10_000, controller.signal);
    expect(vi.getTimerCount()).toBe(1);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('retry edge cases', () => {
  const options = { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 1000 };
  const signal = (): AbortSignal => new AbortController().signal;

  it('a backoff that ends exactly when the time left runs out is not waited for', async () => {
    const error = new UpstreamUnavailableError('s', '503', { retryAfterMs: 1000 });
    let calls = 0;
    const attempt = (): Promise<string> => {
      calls++;
      return Promise.reject(error);
    };
    await expect(retry(attempt, options, { signal: signal(), remainingMs: () => 1000, idempotent: true })).rejects.toBe(error);
    expect(calls).toBe(1);
  });

  it('uses the injected jitter, exactly', async () => {
    const delays: number[] = [];
    const errors = [new UpstreamUnavailableError('s', 'one'), new UpstreamUnavailableError('s', 'two')];
    const attempt = (): Promise<string> => {
      const error = errors.shift();
      return error ? Promise.reject(error) : Promise.resolve('ok');
    };
    const result = await retry(attempt, { maxAttempts: 3, baseDelayMs: 10_000, maxDelayMs: 10_000 }, {
      signal: signal(),
      remainingMs: () => 60_000,
      idempotent: true,
      random: () => 0,
      onRetry: (_error, _attempt, delayMs) => delays.push(delayMs),
    });
    expect(result).toBe('ok');
    expect(delays).toEqual([0, 0]);
  });

  it('without an injected jitter, draws a whole delay below the ceiling', async () => {
    const delays: number[] = [];
    let calls = 0;
    const attempt = (): Promise<string> => (++calls === 1 ? Promise.reject(new UpstreamUnavailableError('s', 'once')) : Promise.resolve('ok'));
    const result = await retry(attempt, { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 5 }, {
      signal: signal(),
      remainingMs: () => 60_000,
      idempotent: true,
      onRetry: (_error, _attempt, delayMs) => delays.push(delayMs),
    });
    expect(result).toBe('ok');
    expect(delays).toHaveLength(1);
    expect(Number.isInteger(delays[0])).toBe(true);
    expect(delays[0]).toBeGreaterThanOrEqual(0);
    expect(delays[0]).toBeLessThan(5);
  });

  it('a spent budget without an onBudgetExhausted callback still fails with the upstream error', async () => {
    const error = new UpstreamUnavailableError('s', '503');
    const budget = new RetryBudget({ ratio: 0, minRetriesPerSecond: 0 });
    let calls = 0;
    const attempt = (): Promise<string> => {
      calls++;
      return Promise.reject(error);
    };
    await expect(retry(attempt, options, { signal: signal(), remainingMs: () => 60_000, idempotent: true, random: () => 0, budget })).rejects.toBe(error);
    expect(calls).toBe(1);
  });

  it('an aborted signal stops retrying with the attempt error', async () => {
    const controller = new AbortController();
    const error = new UpstreamUnavailableError('s', 'reset');
    let calls = 0;
    const attempt = (): Promise<string> => {
      calls++;
      controller.abort(new Error('deadline'));
      return Promise.reject(error);
    };
    await expect(retry(attempt, options, { signal: controller.signal, remainingMs: () => 60_000, idempotent: true, random: () => 0 })).rejects.toBe(error);
    expect(calls).toBe(1);
  });
});
