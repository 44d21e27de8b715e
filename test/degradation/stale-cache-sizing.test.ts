import { describe, expect, it } from 'vitest';
import { approximateBytes, StaleCache } from '../../src/degradation/stale-cache.js';

/** Sizing a value costs a JSON.stringify: a hot key is measured at most once a second (bench/README.md). */
describe('stale cache sizing', () => {
  const small = { text: 'x' };
  const large = { text: 'x'.repeat(1_000) };

  it('measures a new key at once, and a rewrite of it again one second after its last measure', () => {
    const cache = new StaleCache<{ text: string }>({ maxStaleMs: 60_000, maxEntries: 100 });
    cache.set('k', small, 10_000);
    expect(cache.bytes).toBe(approximateBytes('k', small));
    cache.set('k', large, 10_999);
    expect(cache.bytes).toBe(approximateBytes('k', small));
    expect(cache.get('k', 10_999)?.value).toBe(large);
    cache.set('k', large, 11_000);
    expect(cache.bytes).toBe(approximateBytes('k', large));
    cache.set('other', small, 11_000);
    expect(cache.bytes).toBe(approximateBytes('k', large) + approximateBytes('other', small));
  });

  it('measures the value it takes from the shared store', async () => {
    const store = { get: async () => ({ value: large, storedAt: Date.now() }), set: () => true, close: async () => undefined };
    const cache = new StaleCache<{ text: string }>({ maxStaleMs: 60_000, maxEntries: 100, shared: { store, namespace: 'n:', writeIntervalMs: 1_000 } });
    expect((await cache.getAnywhere('k'))?.value).toBe(large);
    expect(cache.bytes).toBe(approximateBytes('k', large));
  });
});
