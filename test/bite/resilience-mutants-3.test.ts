import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { advance, flushImmediates } from '../helpers/timers.js';
import { CallTimeouts } from '../../src/resilience/timeout.js';

/**
 * `CallTimeouts`' one-timer plan (docs/testing.md § "Mutation testing", ninth session, run N-T):
 * how many `setTimeout`s a call costs, when the timer is kept or moved, and the 1 ms slack that
 * counts a limit this close as due. Fake timers and a fake `performance.now()`, so every time is
 * an exact integer and each promise is about which timer fires when, not about the wall clock.
 */
let setTimeoutCalls: MockInstance;
let now: number;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  now = performance.now();
  setTimeoutCalls = vi.spyOn(globalThis, 'setTimeout');
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

const reasonOf = (signal: { reason: unknown }): string | undefined => (signal.reason as Error | undefined)?.message;
const callOf = (totalMs: number, firstAttemptMs?: number): CallTimeouts =>
  new CallTimeouts(totalMs, () => new Error('total'), firstAttemptMs, now);


describe('CallTimeouts: one setTimeout per call, moved only when needed', () => {
  it('a first attempt as long as planned costs exactly one setTimeout, fired at its end', async () => {
    const call = callOf(1_000, 450);
    const attempt = call.startAttempt(450, () => new Error('attempt'), now);
    await advance(448);
    expect(setTimeoutCalls).toHaveBeenCalledTimes(1);
    expect(setTimeoutCalls.mock.calls[0]?.[1]).toBe(450);
    expect(attempt.signal.aborted).toBe(false);
    await advance(2);
    expect(reasonOf(attempt.signal)).toBe('attempt');
    expect(call.signal.aborted).toBe(false);
    call.dispose();
  });

  it('an attempt ending after the timer keeps it (no second setTimeout until it fires)', async () => {
    const call = callOf(5_000, 30);
    const attempt = call.startAttempt(60, () => new Error('attempt'), now);
    expect(setTimeoutCalls).toHaveBeenCalledTimes(1);
    await advance(30);
    expect(attempt.signal.aborted).toBe(false);
    expect(setTimeoutCalls).toHaveBeenCalledTimes(2);
    expect(setTimeoutCalls.mock.calls[1]?.[1]).toBe(30);
    await advance(30);
    expect(reasonOf(attempt.signal)).toBe('attempt');
    call.dispose();
  });

  it('an attempt ending exactly 1 ms before the timer keeps it (the slack)', async () => {
    const call = callOf(5_000, 41);
    call.startAttempt(40, () => new Error('attempt'), now);
    expect(setTimeoutCalls).toHaveBeenCalledTimes(1);
    call.dispose();
  });

  it('an attempt ending 2 ms before the timer moves it: one more setTimeout, for the attempt', async () => {
    const call = callOf(5_000, 42);
    const attempt = call.startAttempt(40, () => new Error('attempt'), now);
    expect(setTimeoutCalls).toHaveBeenCalledTimes(2);
    expect(setTimeoutCalls.mock.calls[1]?.[1]).toBe(40);
    await advance(40);
    expect(reasonOf(attempt.signal)).toBe('attempt');
    call.dispose();
  });
});

describe('CallTimeouts: a limit 1 ms away counts as due', () => {
  it('an attempt due 1 ms after the timer fires is aborted then, not 1 ms later', async () => {
    const call = callOf(5_000, 39);
    const attempt = call.startAttempt(40, () => new Error('attempt'), now);
    await advance(39);
    expect(reasonOf(attempt.signal)).toBe('attempt');
    expect(call.signal.aborted).toBe(false);
    call.dispose();
  });

  it('a total due 1 ms after the attempt ends the call then, with the call\'s reason', async () => {
    const call = callOf(50, 49);
    const attempt = call.startAttempt(49, () => new Error('attempt'), now);
    await advance(49);
    expect(reasonOf(call.signal)).toBe('total');
    expect(reasonOf(attempt.signal)).toBe('total');
  });
});

describe('CallTimeouts: what is left after an attempt or an abort', () => {
  it('disposing an earlier attempt leaves the one in flight on its time limit', async () => {
    const call = callOf(5_000, 100);
    const earlier = call.startAttempt(100, () => new Error('earlier'), now);
    const current = call.startAttempt(100, () => new Error('current'), now);
    earlier.dispose();
    await advance(100);
    expect(reasonOf(current.signal)).toBe('current');
    expect(earlier.signal.aborted).toBe(false);
    call.dispose();
  });

  it('a call aborted by its caller sets no timer again when the planned one fires', async () => {
    const call = callOf(5_000, 100);
    call.startAttempt(100, () => new Error('attempt'), now);
    call.abort(new Error('request finished'));
    await advance(100);
    expect(vi.getTimerCount()).toBe(0);
    expect(setTimeoutCalls).toHaveBeenCalledTimes(1);
    expect(reasonOf(call.signal)).toBe('request finished');
  });
});

describe('CallTimeouts: judged after the poll phase', () => {
  it('disposed after its limit fired but before it was judged, it aborts nothing and sets no timer again', async () => {
    const call = callOf(1_000, 450);
    const attempt = call.startAttempt(450, () => new Error('attempt'), now);
    vi.advanceTimersByTime(450); // the timer fired; what is due is judged in the next immediate
    call.dispose();
    await flushImmediates();
    expect([attempt.signal.aborted, call.signal.aborted]).toEqual([false, false]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('an attempt started between the firing and its judging does not push back the total already due', async () => {
    const call = callOf(100, 100);
    vi.advanceTimersByTime(100);
    const attempt = call.startAttempt(450, () => new Error('attempt'), performance.now());
    await flushImmediates();
    expect([reasonOf(call.signal), reasonOf(attempt.signal)]).toEqual(['total', 'total']);
    expect(vi.getTimerCount()).toBe(0);
  });
});
