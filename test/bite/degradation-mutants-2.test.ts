import { describe, expect, it } from 'vitest';
import { StaleCache } from '../../src/degradation/stale-cache.js';

/**
 * The stale cache's memory limits that run N-D left unheld (docs/testing.md § "Mutation testing",
 * ninth session): `maxStaleMs: 0` keeps nothing, not even a value of age 0, and the LRU's own TTL
 * outlasts `maxStaleMs` (it only frees memory; `get` judges age from `storedAt`).
 */
describe('StaleCache memory limits', () => {
  it('maxStaleMs 0 keeps nothing: a value read back in the same millisecond is not served', () => {
    const cache = new StaleCache<{ n: number }>({ maxStaleMs: 0, maxEntries: 10 });
    cache.set('k', { n: 1 }, 5_000);
    expect(cache.get('k', 5_000)).toBeUndefined();
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
  });

  it('a value younger than maxStaleMs is still held by the LRU after 300 ms of real time (its TTL is maxStaleMs + 1 s)', async () => {
    // lru-cache expires entries on its own clock (performance.now()), not on the `now` a caller
    // passes, so real time has to pass: 300 ms, well inside 1.1 s and past a TTL of 100 ms.
    const cache = new StaleCache<{ n: number }>({ maxStaleMs: 1_100, maxEntries: 10 });
    const storedAt = Date.now();
    cache.set('k', { n: 7 }, storedAt);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(cache.get('k', storedAt + 300)).toEqual({ value: { n: 7 }, ageMs: 300 });
    expect(cache.size).toBe(1);
  });
});
