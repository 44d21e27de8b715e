import { describe, expect, it } from 'vitest';
import { BulkheadFullError } from '../../src/errors.js';
import { Bulkhead } from '../../src/resilience/bulkhead.js';

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
    const runs = [1, 2, 3].map((n) => bulkhead.run(async () => { started.push(n); await gate.promise; return n; }, signal));
    await Promise.resolve();
    expect(started).toEqual([1, 2]);
    expect(bulkhead.queued).toBe(1);
    await expect(bulkhead.run(async () => 4, signal)).rejects.toMatchObject({ code: 'BULKHEAD_FULL', source: 'inventory' });
    gate.resolve();
    await expect(Promise.all(runs)).resolves.toEqual([1, 2, 3]);
    expect(started).toEqual([1, 2, 3]);
    expect(bulkhead.inUse).toBe(0);
  });

  it('lets a waiter leave the queue when its signal aborts', async () => {
    const bulkhead = new Bulkhead('s', { maxConcurrent: 1, maxQueue: 5 });
    const gate = deferred();
    const first = bulkhead.run(() => gate.promise, new AbortController().signal);
    const controller = new AbortController();
    const waiting = bulkhead.run(async () => 'never', controller.signal);
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
    const first = bulkhead.run(() => gate.promise, new AbortController().signal);
    await expect(bulkhead.run(async () => 1, new AbortController().signal)).rejects.toBeInstanceOf(BulkheadFullError);
    gate.resolve();
    await first;
  });
});
