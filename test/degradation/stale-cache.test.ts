import { describe, expect, it } from 'vitest';
import { StaleCache } from '../../src/degradation/stale-cache.js';

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
