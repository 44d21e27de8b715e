import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { advance, flushImmediates } from '../helpers/timers.js';
import { SharedTimer } from '../../src/loads/shared-timer.js';

/**
 * The one timer a request shares between all fields of a coordinate (docs/architecture.md § The
 * route of one request): every field still waiting gives up with the same reason when it fires,
 * nothing is left behind when it is disposed. Fake timers: the promise is about which callbacks
 * run, not about wall-clock time.
 */
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  vi.useRealTimers();
});

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: Error) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}


describe('SharedTimer', () => {
  it('a field whose value arrives first gets the value; the timer firing later changes nothing for it', async () => {
    const onFire = vi.fn();
    const timer = new SharedTimer(100, () => new Error('late'), onFire);
    const value = deferred<string>();
    const raced = timer.race(value.promise);
    value.resolve('price');
    await expect(raced).resolves.toBe('price');
    await advance(100);
    expect(onFire).toHaveBeenCalledTimes(1);
  });

  it('when it fires, every field still waiting rejects with one and the same reason, built once', async () => {
    const reasons: Error[] = [];
    const onFire = vi.fn();
    const timer = new SharedTimer(
      100,
      () => {
        const reason = new Error(`late ${reasons.length + 1}`);
        reasons.push(reason);
        return reason;
      },
      onFire,
    );
    const first = timer.race(deferred<string>().promise);
    const second = timer.race(deferred<string>().promise);
    // Observed before the timer fires (in an immediate, src/loads/shared-timer.ts): a rejection nobody awaits yet would be unhandled.
    const settled = Promise.allSettled([first, second]);
    await advance(99);
    expect(onFire).not.toHaveBeenCalled();
    await advance(1);
    expect(await settled).toEqual([
      { status: 'rejected', reason: reasons[0] },
      { status: 'rejected', reason: reasons[0] },
    ]);
    expect(reasons.map((reason) => reason.message)).toEqual(['late 1']);
    expect(onFire).toHaveBeenCalledTimes(1);
  });

  it('disposed after it fired but before it was judged, it calls nothing and rejects nothing', async () => {
    const onFire = vi.fn();
    const timer = new SharedTimer(100, () => new Error('late'), onFire);
    let settled = false;
    timer.race(deferred<string>().promise).then(
      () => (settled = true),
      () => (settled = true),
    );
    vi.advanceTimersByTime(100); // fired; judged in the next immediate
    timer.dispose();
    await flushImmediates();
    expect(onFire).not.toHaveBeenCalled();
    expect(settled).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('without an onFire callback it still fires and rejects the fields waiting', async () => {
    const timer = new SharedTimer(50, () => new Error('no callback needed'));
    const raced = timer.race(deferred<string>().promise);
    const rejected = expect(raced).rejects.toThrow('no callback needed');
    await advance(50);
    await rejected;
  });

  it('a field that starts after it fired gives up at once, and its value failing later is no unhandled rejection', async () => {
    // Real timers: Node reports unhandled rejections between macrotasks, which fake timers hold back.
    vi.useRealTimers();
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', listener);
    try {
      const onFire = vi.fn();
      const timer = new SharedTimer(1, () => new Error('too late'), onFire);
      await vi.waitFor(() => expect(onFire).toHaveBeenCalledTimes(1));
      const value = deferred<string>();
      await expect(timer.race(value.promise)).rejects.toThrow('too late');
      value.reject(new Error('upstream failed after the field gave up'));
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', listener);
    }
  });

  it('dispose stops the clock: nothing fires, no waiting field is rejected, no timer is left', async () => {
    const onFire = vi.fn();
    const reason = vi.fn(() => new Error('late'));
    const timer = new SharedTimer(100, reason, onFire);
    const value = deferred<string>();
    const raced = timer.race(value.promise);
    expect(vi.getTimerCount()).toBe(1);
    timer.dispose();
    expect(vi.getTimerCount()).toBe(0);
    await advance(1000);
    value.resolve('after dispose');
    await expect(raced).resolves.toBe('after dispose');
    expect(onFire).not.toHaveBeenCalled();
    expect(reason).not.toHaveBeenCalled();
  });
});
