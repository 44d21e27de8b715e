import { describe, expect, it } from 'vitest';
import { BulkheadFullError } from '../../src/errors.js';
import { Bulkhead } from '../../src/resilience/bulkhead.js';
import type { CallSignal } from '../../src/resilience/timeout.js';

/** A slot taken, `fn` run, the slot given back: what the pipeline does around each attempt. */
async function run<T>(bulkhead: Bulkhead, fn: () => Promise<T>, signal: CallSignal): Promise<T> {
  const waiting = bulkhead.acquire(signal);
  if (waiting) await waiting;
  try {
    return await fn();
  } finally {
    bulkhead.release();
  }
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('Bulkhead', () => {
  it('runs up to maxConcurrent at once, queues up to maxQueue, refuses the rest with BULKHEAD_FULL', async () => {
    const bulkhead = new Bulkhead('inventory', { maxConcurrent: 2, maxQueue: 1 });
    const gate = deferred();
    const signal = new AbortController().signal;
    const started: number[] = [];
    const runs = [1, 2, 3].map((n) => run(bulkhead, async () => { started.push(n); await gate.promise; return n; }, signal));
    await Promise.resolve();
    expect(started).toEqual([1, 2]);
    expect(bulkhead.queued).toBe(1);
    await expect(run(bulkhead, async () => 4, signal)).rejects.toMatchObject({ code: 'BULKHEAD_FULL', source: 'inventory' });
    gate.resolve();
    await expect(Promise.all(runs)).resolves.toEqual([1, 2, 3]);
    expect(started).toEqual([1, 2, 3]);
    expect(bulkhead.inUse).toBe(0);
  });

  it('lets a waiter leave the queue when its signal aborts', async () => {
    const bulkhead = new Bulkhead('s', { maxConcurrent: 1, maxQueue: 5 });
    const gate = deferred();
    const first = run(bulkhead, () => gate.promise, new AbortController().signal);
    const controller = new AbortController();
    const waiting = run(bulkhead, async () => 'never', controller.signal);
    controller.abort(new Error('timed out in queue'));
    await expect(waiting).rejects.toThrow('timed out in queue');
    expect(bulkhead.queued).toBe(0);
    gate.resolve();
    await first;
    expect(bulkhead.inUse).toBe(0);
  });

  it('is a BulkheadFullError', async () => {
    const bulkhead = new Bulkhead('s', { maxConcurrent: 1, maxQueue: 0 });
    const gate = deferred();
    const first = run(bulkhead, () => gate.promise, new AbortController().signal);
    await expect(run(bulkhead, async () => 1, new AbortController().signal)).rejects.toBeInstanceOf(BulkheadFullError);
    gate.resolve();
    await first;
  });

  // The cases below kill mutants the three above let live (docs/testing.md, "Scores measured").
  it('says in its refusal how many calls are in flight and waiting', async () => {
    const bulkhead = new Bulkhead('inventory', { maxConcurrent: 2, maxQueue: 1 });
    const gate = deferred();
    const signal = new AbortController().signal;
    const runs = [1, 2, 3].map(() => run(bulkhead, () => gate.promise, signal));
    await expect(run(bulkhead, async () => 4, signal)).rejects.toThrow('inventory has 2 calls in flight and 1 waiting');
    gate.resolve();
    await Promise.all(runs);
  });

  it('refuses at once, without queueing, a call whose signal has already aborted', async () => {
    const bulkhead = new Bulkhead('s', { maxConcurrent: 1, maxQueue: 5 });
    const gate = deferred();
    const first = run(bulkhead, () => gate.promise, new AbortController().signal);
    const controller = new AbortController();
    controller.abort(new Error('deadline passed'));
    let ran = false;
    await expect(run(bulkhead, async () => (ran = true), controller.signal)).rejects.toThrow('deadline passed');
    expect(bulkhead.queued).toBe(0);
    gate.resolve();
    await first;
    expect(ran).toBe(false);
    expect(bulkhead.inUse).toBe(0);
  });

  it('takes back its abort listener once a waiter gets its slot, so a long-lived signal holds nothing', async () => {
    const bulkhead = new Bulkhead('s', { maxConcurrent: 1, maxQueue: 5 });
    const gate = deferred();
    const first = run(bulkhead, () => gate.promise, new AbortController().signal);
    const listeners = new Set<() => void>();
    const signal = {
      aborted: false,
      reason: undefined,
      addEventListener: (type: string, listener: () => void) => void (type === 'abort' && listeners.add(listener)),
      removeEventListener: (type: string, listener: () => void) => void (type === 'abort' && listeners.delete(listener)),
    };
    const waiting = run(bulkhead, async () => 'second', signal);
    expect(listeners.size).toBe(1);
    gate.resolve();
    await first;
    await expect(waiting).resolves.toBe('second');
    expect(listeners.size).toBe(0);
    expect(bulkhead.inUse).toBe(0);
  });

  it('lets the second of two waiters leave without disturbing the first', async () => {
    const bulkhead = new Bulkhead('s', { maxConcurrent: 1, maxQueue: 5 });
    const gate = deferred();
    const first = run(bulkhead, () => gate.promise, new AbortController().signal);
    const order: string[] = [];
    const keeps = run(bulkhead, async () => void order.push('keeps'), new AbortController().signal);
    const controller = new AbortController();
    const leaves = run(bulkhead, async () => void order.push('leaves'), controller.signal);
    controller.abort(new Error('gave up'));
    await expect(leaves).rejects.toThrow('gave up');
    expect(bulkhead.queued).toBe(1);
    gate.resolve();
    await first;
    await keeps;
    expect(order).toEqual(['keeps']);
    expect(bulkhead.inUse).toBe(0);
  });
});

