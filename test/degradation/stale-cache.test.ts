import { describe, expect, it } from 'vitest';
import { HostStaleDepot } from '../../src/cluster/host-stale-depot.js';
import { StaleCache } from '../../src/degradation/stale-cache.js';
import type { StaleStore } from '../../src/degradation/stale-cache.js';

describe('StaleCache', () => {
  it('serves the last good value with its age while younger than maxStaleMs', () => {
    const cache = new StaleCache<{ amount: number }>({ maxStaleMs: 1000, maxEntries: 10 });
    cache.set('p-1', { amount: 5 }, 10_000);
    expect(cache.get('p-1', 10_400)).toEqual({ value: { amount: 5 }, ageMs: 400 });
    expect(cache.get('p-1', 11_001)).toBeUndefined();
  });

  it('keeps at most maxEntries, dropping the least recently used', () => {
    const cache = new StaleCache<{ n: number }>({ maxStaleMs: 60_000, maxEntries: 2 });
    const now = Date.now();
    cache.set('a', { n: 1 }, now);
    cache.set('b', { n: 2 }, now);
    cache.get('a', now);
    cache.set('c', { n: 3 }, now);
    expect(cache.size).toBe(2);
    expect(cache.get('b', now)).toBeUndefined();
    expect(cache.get('a', now)?.value).toEqual({ n: 1 });
  });

  it('stores nothing when maxStaleMs is 0', () => {
    const cache = new StaleCache<{ n: number }>({ maxStaleMs: 0, maxEntries: 10 });
    cache.set('a', { n: 1 });
    expect(cache.get('a')).toBeUndefined();
  });
});

/**
 * Only a newer value replaces the one held (docs/degradation.md, "Writes"): a read's value is as
 * of its call's start, so a read that started before a write and answered after it is older than
 * the written value; a read of the written value's own millisecond may have left before the write
 * was applied and loses too, while a write's answer of the same millisecond wins.
 */
describe('newer values only', () => {
  it('in memory: an older value, or a read of the same millisecond, leaves the held value; a write of the same millisecond replaces it', () => {
    const writes: Array<[string, unknown, number, boolean | undefined]> = [];
    const store: StaleStore = { get: async () => undefined, set: (key, value, storedAt, _ttlMs, written) => (writes.push([key, value, storedAt, written]), true), close: async () => undefined };
    const cache = new StaleCache<{ n: number }>({ maxStaleMs: 60_000, maxEntries: 10, shared: { store, namespace: 'cart:', writeIntervalMs: 0 } });
    cache.set('u-1', { n: 1 }, 10_000, true);
    cache.set('u-1', { n: 0 }, 9_999);
    cache.set('u-1', { n: 0 }, 10_000);
    expect(cache.get('u-1', 10_500)).toEqual({ value: { n: 1 }, ageMs: 500 });
    cache.set('u-1', { n: 2 }, 10_000, true);
    expect(cache.get('u-1', 10_500)).toEqual({ value: { n: 2 }, ageMs: 500 });
    cache.set('u-1', { n: 3 }, 10_001);
    expect(cache.get('u-1', 10_500)).toEqual({ value: { n: 3 }, ageMs: 499 });
    // What was dropped is not handed to the shared store either.
    expect(writes).toEqual([['cart:u-1', { n: 1 }, 10_000, true], ['cart:u-1', { n: 2 }, 10_000, true], ['cart:u-1', { n: 3 }, 10_001, false]]);
  });

  it("in the host's copy (the primary): the same rule", () => {
    const depot = new HostStaleDepot(1 << 20);
    const now = Date.now();
    const put = (text: string, storedAt: number, written?: true): void => depot.put([{ key: 'cart:u-1', text, storedAt, ttlMs: 60_000, ...(written ? { written } : {}) }]);
    put('"written"', now, true);
    put('"older read"', now - 1);
    put('"read of the same ms"', now);
    expect(depot.get(['cart:u-1'])).toEqual([{ text: '"written"', storedAt: now }]);
    put('"written again"', now, true);
    expect(depot.get(['cart:u-1'])).toEqual([{ text: '"written again"', storedAt: now }]);
    put('"newer read"', now + 1);
    expect(depot.get(['cart:u-1'])).toEqual([{ text: '"newer read"', storedAt: now + 1 }]);
  });
});
