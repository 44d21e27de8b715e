import { afterEach, describe, expect, it, vi } from 'vitest';
import { approximateBytes, StaleCache } from '../../src/degradation/stale-cache.js';
import type { StaleStore } from '../../src/degradation/stale-cache.js';

/**
 * The STALE fallback's memory (src/degradation/stale-cache.ts): its exact age bound, the byte
 * and entry bounds, what it hands the shared store and when, what it takes back from it, and what
 * a reload carries over. Mutation testing found these unheld (docs/testing.md, "Mutation testing").
 */
interface StoreWrite {
  key: string;
  value: unknown;
  storedAt: number;
  ttlMs: number;
}

/** A shared store in memory that records every write and can be told to refuse them (Redis still connecting). */
function recordingStore(stored?: { value: unknown; storedAt: number }): StaleStore & { writes: StoreWrite[]; accepting: boolean; reads: string[] } {
  const store = {
    writes: [] as StoreWrite[],
    reads: [] as string[],
    accepting: true,
    get: async (key: string) => (store.reads.push(key), stored),
    set: (key: string, value: unknown, storedAt: number, ttlMs: number) => {
      if (!store.accepting) return false;
      store.writes.push({ key, value, storedAt, ttlMs });
      return true;
    },
    close: async () => undefined,
  };
  return store;
}

describe('approximateBytes', () => {
  it('is 128 bytes of entry plus two per character of key and JSON', () => {
    expect(approximateBytes('key', { a: 1 })).toBe(128 + 2 * (3 + '{"a":1}'.length));
    // A value JSON cannot write (undefined) counts its key and the entry only.
    expect(approximateBytes('k', undefined)).toBe(130);
  });
});

describe('bounds', () => {
  it('serves a value exactly maxStaleMs old, not one a millisecond older', () => {
    const cache = new StaleCache<{ n: number }>({ maxStaleMs: 1000, maxEntries: 10 });
    cache.set('a', { n: 1 }, 5_000);
    expect(cache.get('a', 6_000)).toEqual({ value: { n: 1 }, ageMs: 1000 });
    expect(cache.get('a', 6_001)).toBeUndefined();
  });

  it('stores nothing when maxEntries is 0', () => {
    const store = recordingStore();
    const cache = new StaleCache<{ n: number }>({ maxStaleMs: 60_000, maxEntries: 0, shared: { store, namespace: 'p:', writeIntervalMs: 1 } });
    cache.set('a', { n: 1 });
    expect({ value: cache.get('a'), size: cache.size, bytes: cache.bytes, shared: cache.shared, writes: store.writes }).toEqual({
      value: undefined,
      size: 0,
      bytes: 0,
      shared: false,
      writes: [],
    });
  });

  it('keeps at most 16 MiB by default: eight values of about 2 MB, not nine', () => {
    const cache = new StaleCache<{ t: string }>({ maxStaleMs: 60_000, maxEntries: 100 });
    const value = { t: 'a'.repeat(1_000_000) };
    for (let index = 0; index < 9; index++) cache.set(`k${index}`, value, 1_000);
    const each = approximateBytes('k0', value);
    expect(each * 8).toBeLessThanOrEqual(16 * 1024 * 1024);
    expect({ size: cache.size, bytes: cache.bytes, oldest: cache.get('k0', 1_000), newest: cache.get('k8', 1_000)?.value }).toEqual({ size: 8, bytes: each * 8, oldest: undefined, newest: value });
  });

  it('a configured maxBytes keeps only what fits, dropping the least recently used', () => {
    const value = { t: 'x' };
    const each = approximateBytes('k0', value);
    const cache = new StaleCache<{ t: string }>({ maxStaleMs: 60_000, maxEntries: 100, maxBytes: each * 2 });
    cache.set('k0', value, 1_000);
    cache.set('k1', value, 1_000);
    cache.get('k0', 1_000);
    cache.set('k2', value, 1_000);
    expect({ k0: cache.get('k0', 1_000)?.value, k1: cache.get('k1', 1_000), k2: cache.get('k2', 1_000)?.value, bytes: cache.bytes }).toEqual({ k0: value, k1: undefined, k2: value, bytes: each * 2 });
  });

  it('a rewrite told to share now is measured again at once', () => {
    const cache = new StaleCache<{ t: string }>({ maxStaleMs: 60_000, maxEntries: 10 });
    const large = { t: 'x'.repeat(500) };
    cache.set('k', { t: 'x' }, 10_000);
    cache.set('k', large, 10_001, true);
    expect(cache.bytes).toBe(approximateBytes('k', large));
  });
});

describe('writing through to the shared store', () => {
  function sharedCache(store: StaleStore, writeIntervalMs = 1_000): StaleCache<{ n: number }> {
    return new StaleCache<{ n: number }>({ maxStaleMs: 60_000, maxEntries: 10, shared: { store, namespace: 'price:', writeIntervalMs } });
  }

  it('a new key is written at once, with its namespace, time and maxStaleMs as ttl; a rewrite within the interval is not, one at the interval is', () => {
    const store = recordingStore();
    const cache = sharedCache(store);
    cache.set('p-1', { n: 1 }, 10_000);
    cache.set('p-1', { n: 2 }, 10_999);
    cache.set('p-1', { n: 3 }, 11_000);
    cache.set('p-1', { n: 4 }, 11_500);
    expect(store.writes).toEqual([
      { key: 'price:p-1', value: { n: 1 }, storedAt: 10_000, ttlMs: 60_000 },
      { key: 'price:p-1', value: { n: 3 }, storedAt: 11_000, ttlMs: 60_000 },
    ]);
    expect(cache.get('p-1', 11_500)).toEqual({ value: { n: 4 }, ageMs: 0 });
  });

  it('a write (written: true) is shared whatever the interval says', () => {
    const store = recordingStore();
    const cache = sharedCache(store);
    cache.set('p-1', { n: 1 }, 10_000);
    cache.set('p-1', { n: 2 }, 10_001, true);
    expect(store.writes.map((write) => write.value)).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('a value the store refused is offered again on the next write, not an interval later', () => {
    const store = recordingStore();
    const cache = sharedCache(store);
    store.accepting = false;
    cache.set('p-1', { n: 1 }, 10_000);
    store.accepting = true;
    cache.set('p-1', { n: 2 }, 10_001);
    cache.set('p-1', { n: 3 }, 10_002);
    expect(store.writes.map((write) => [write.value, write.storedAt])).toEqual([[{ n: 2 }, 10_001]]);
  });

  it('without a shared store nothing is written and getAnywhere is memory only', async () => {
    const cache = new StaleCache<{ n: number }>({ maxStaleMs: 60_000, maxEntries: 10 });
    expect(cache.shared).toBe(false);
    expect(await cache.getAnywhere('p-1')).toBeUndefined();
  });
});

describe('reading from the shared store', () => {
  it('the store is asked by namespaced key even when memory has a value: the newer of the two wins, memory on a tie', async () => {
    // Memory may be older than what another worker stored (a write it made): docs/degradation.md, "Writes".
    const storedAt = Date.now() - 5_000;
    const store = recordingStore({ value: { n: 9 }, storedAt });
    const cache = new StaleCache<{ n: number }>({ maxStaleMs: 60_000, maxEntries: 10, shared: { store, namespace: 'price:', writeIntervalMs: 1_000 } });
    expect(cache.shared).toBe(true);
    cache.set('p-1', { n: 1 }, storedAt + 1);
    cache.set('p-2', { n: 2 }, storedAt - 1);
    cache.set('p-3', { n: 3 }, storedAt);
    expect((await cache.getAnywhere('p-1'))?.value).toEqual({ n: 1 });
    expect((await cache.getAnywhere('p-2'))?.value).toEqual({ n: 9 });
    expect((await cache.getAnywhere('p-3'))?.value).toEqual({ n: 3 });
    expect((await cache.getAnywhere('p-4'))?.value).toEqual({ n: 9 });
    expect(store.reads).toEqual(['price:p-1', 'price:p-2', 'price:p-3', 'price:p-4']);
    // The store's newer value is kept in memory, with its own time.
    expect(cache.get('p-2', storedAt + 10)).toEqual({ value: { n: 9 }, ageMs: 10 });
  });

  it('a stored value keeps its age, is kept in memory, and counts as already shared at its own time', async () => {
    const storedAt = Date.now() - 5_000;
    const store = recordingStore({ value: { n: 7 }, storedAt });
    const cache = new StaleCache<{ n: number }>({ maxStaleMs: 60_000, maxEntries: 10, shared: { store, namespace: 'price:', writeIntervalMs: 10_000 } });
    const found = await cache.getAnywhere('p-3');
    expect(found?.value).toEqual({ n: 7 });
    expect(found!.ageMs).toBeGreaterThanOrEqual(5_000);
    expect(found!.ageMs).toBeLessThan(6_000);
    expect(cache.get('p-3', storedAt + 5_000)).toEqual({ value: { n: 7 }, ageMs: 5_000 });
    expect(store.reads).toEqual(['price:p-3']);
    // Shared at storedAt: a write 9.999 s after that is within the interval, one at 10 s is due.
    cache.set('p-3', { n: 8 }, storedAt + 9_999);
    cache.set('p-3', { n: 9 }, storedAt + 10_000);
    expect(store.writes.map((write) => write.value)).toEqual([{ n: 9 }]);
  });

  it('a stored value older than maxStaleMs is a miss', async () => {
    const store = recordingStore({ value: { n: 7 }, storedAt: Date.now() - 61_000 });
    const cache = new StaleCache<{ n: number }>({ maxStaleMs: 60_000, maxEntries: 10, shared: { store, namespace: 'price:', writeIntervalMs: 1_000 } });
    expect(await cache.getAnywhere('p-4')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('a stored value exactly maxStaleMs old is served, one a millisecond older is not', async () => {
    vi.useFakeTimers({ now: 1_000_000, toFake: ['Date'] });
    const store = recordingStore({ value: { n: 7 }, storedAt: 940_000 });
    const cache = new StaleCache<{ n: number }>({ maxStaleMs: 60_000, maxEntries: 10, shared: { store, namespace: 'price:', writeIntervalMs: 1_000 } });
    expect(await cache.getAnywhere('p-6')).toEqual({ value: { n: 7 }, ageMs: 60_000 });
    vi.setSystemTime(1_000_001);
    expect(await cache.getAnywhere('p-7')).toBeUndefined();
  });

  it('a key the store does not hold is a miss', async () => {
    const store = recordingStore(undefined);
    const cache = new StaleCache<{ n: number }>({ maxStaleMs: 60_000, maxEntries: 10, shared: { store, namespace: 'price:', writeIntervalMs: 1_000 } });
    expect(await cache.getAnywhere('p-5')).toBeUndefined();
    expect(store.reads).toEqual(['price:p-5']);
  });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('adopt (a reload)', () => {
  it('leaves out a value exactly maxStaleMs old, even with room for it', () => {
    const now = Date.now();
    const before = new StaleCache<{ n: number }>({ maxStaleMs: 60_000, maxEntries: 10 });
    before.set('old', { n: 1 }, now - 60_000);
    before.set('young', { n: 2 }, now - 59_999);
    const after = new StaleCache<{ n: number }>({ maxStaleMs: 60_000, maxEntries: 10 });
    after.adopt(before, now);
    expect({ size: after.size, old: after.get('old', now), young: after.get('young', now) }).toEqual({ size: 1, old: undefined, young: { value: { n: 2 }, ageMs: 59_999 } });
  });


  it('takes over values younger than maxStaleMs with their age; the most recently used stay when fewer fit', () => {
    const now = Date.now();
    const before = new StaleCache<{ n: number }>({ maxStaleMs: 60_000, maxEntries: 10 });
    before.set('old', { n: 1 }, now - 60_000);
    before.set('a', { n: 2 }, now - 1_000);
    before.set('b', { n: 3 }, now - 2_000);
    before.set('c', { n: 4 }, now - 3_000);
    const after = new StaleCache<{ n: number }>({ maxStaleMs: 60_000, maxEntries: 2 });
    after.adopt(before, now);
    expect({ size: after.size, b: after.get('b', now), c: after.get('c', now), a: after.get('a', now), old: after.get('old', now) }).toEqual({
      size: 2,
      b: { value: { n: 3 }, ageMs: 2_000 },
      c: { value: { n: 4 }, ageMs: 3_000 },
      a: undefined,
      old: undefined,
    });
  });

  it('adopts nothing into or out of a disabled cache', () => {
    const enabled = new StaleCache<{ n: number }>({ maxStaleMs: 60_000, maxEntries: 10 });
    enabled.set('a', { n: 1 });
    const disabled = new StaleCache<{ n: number }>({ maxStaleMs: 0, maxEntries: 10 });
    disabled.adopt(enabled);
    expect(disabled.size).toBe(0);
    const fresh = new StaleCache<{ n: number }>({ maxStaleMs: 60_000, maxEntries: 10 });
    fresh.adopt(disabled);
    expect(fresh.size).toBe(0);
  });
});
