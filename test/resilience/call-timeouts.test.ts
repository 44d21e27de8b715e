import { afterEach, describe, expect, it } from 'vitest';
import { CallTimeouts } from '../../src/resilience/timeout.js';

// The call's total budget and its attempt's on one real timer: counted with Node's own list of
// active resources, fired by the real clock (short budgets, so each test ends in well under a second).

const timers = (): number => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
const aborted = (signal: { aborted: boolean; addEventListener(type: 'abort', listener: () => void): void }): Promise<number> => {
  const started = performance.now();
  return signal.aborted ? Promise.resolve(0) : new Promise((resolve) => signal.addEventListener('abort', () => resolve(performance.now() - started)));
};
const open: CallTimeouts[] = [];
afterEach(() => {
  for (const timeouts of open.splice(0)) timeouts.dispose();
});
function callTimeouts(totalMs: number, firstAttemptMs?: number): CallTimeouts {
  const timeouts = new CallTimeouts(totalMs, () => new Error(`total of ${totalMs} ms`), firstAttemptMs);
  open.push(timeouts);
  return timeouts;
}

describe('CallTimeouts: a call and its attempts on one timer', () => {
  it('a call answered by its first attempt sets one timer, and leaves none', () => {
    const before = timers();
    const timeouts = callTimeouts(1_000, 450);
    const attempt = timeouts.startAttempt(450, () => new Error('attempt'));
    expect(timers()).toBe(before + 1);
    attempt.dispose();
    timeouts.dispose();
    expect(timers()).toBe(before);
    expect(timeouts.signal.aborted).toBe(false);
    expect(attempt.signal.aborted).toBe(false);
  });

  it('an attempt times out with its own reason, not before its time, and the call goes on', async () => {
    const timeouts = callTimeouts(5_000, 40);
    const attempt = timeouts.startAttempt(40, () => new Error('attempt timed out after 40 ms'));
    const waited = await aborted(attempt.signal);
    expect((attempt.signal.reason as Error).message).toBe('attempt timed out after 40 ms');
    expect(waited).toBeGreaterThanOrEqual(39);
    expect(timeouts.signal.aborted).toBe(false);
    attempt.dispose();
  });

  it('an attempt shorter than the timer already set moves it earlier', async () => {
    // Built without the first attempt's time: the timer is set for the 5 s total at first.
    const timeouts = callTimeouts(5_000);
    const attempt = timeouts.startAttempt(30, () => new Error('short attempt'));
    const waited = await aborted(attempt.signal);
    expect(waited).toBeGreaterThanOrEqual(29);
    expect(waited).toBeLessThan(2_000);
    expect((attempt.signal.reason as Error).message).toBe('short attempt');
    expect(timeouts.signal.aborted).toBe(false);
  });

  it('a later attempt (after a queue or a retry) ends at its own time, not the first one\'s', async () => {
    const timeouts = callTimeouts(5_000, 30);
    // The timer set for the first attempt's end fires before this attempt is due: it must wait again.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const attempt = timeouts.startAttempt(60, () => new Error('second attempt'));
    const waited = await aborted(attempt.signal);
    expect(waited).toBeGreaterThanOrEqual(59);
    expect((attempt.signal.reason as Error).message).toBe('second attempt');
    attempt.dispose();
  });

  it('the total budget ends the call and its attempt with the call\'s reason', async () => {
    const timeouts = callTimeouts(50, 450);
    const attempt = timeouts.startAttempt(450, () => new Error('attempt'));
    const waited = await aborted(attempt.signal);
    expect(waited).toBeGreaterThanOrEqual(49);
    expect((timeouts.signal.reason as Error).message).toBe('total of 50 ms');
    expect(attempt.signal.reason).toBe(timeouts.signal.reason);
    attempt.dispose();
  });

  it('both due at once: the total fires first and its reason wins', async () => {
    const timeouts = callTimeouts(40, 40);
    const attempt = timeouts.startAttempt(40, () => new Error('attempt'));
    await aborted(attempt.signal);
    expect((attempt.signal.reason as Error).message).toBe('total of 40 ms');
  });

  it('abort(reason) ends the call and its attempt at once; an attempt started after it starts aborted', () => {
    const timeouts = callTimeouts(10_000);
    const attempt = timeouts.startAttempt(5_000, () => new Error('never'));
    const reason = new Error('request finished');
    timeouts.abort(reason);
    expect(attempt.signal.reason).toBe(reason);
    const late = timeouts.startAttempt(5_000, () => new Error('never'));
    expect(late.signal.aborted).toBe(true);
    expect(late.signal.reason).toBe(reason);
  });

  it('a disposed attempt is neither aborted by its time nor by the call', async () => {
    const timeouts = callTimeouts(60, 20);
    const attempt = timeouts.startAttempt(20, () => new Error('attempt'));
    attempt.dispose();
    await aborted(timeouts.signal);
    expect(attempt.signal.aborted).toBe(false);
    expect((timeouts.signal.reason as Error).message).toBe('total of 60 ms');
  });
});
