import { setTimeout as wait } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { StaleCache } from '../../src/degradation/stale-cache.js';

/**
 * A hot key rewritten within its size window is updated in place, without a new LRU set
 * (bench/README.md § "Seventh session: per-call CPU"): the LRU's own TTL (on its own clock,
 * which fake timers do not reach) must not drop the key before `maxStaleMs` after its last write.
 */
describe('stale cache rewrite in place', () => {
  it('serves a key rewritten every 10 ms for 600 ms with maxStaleMs 150: always the value last written', async () => {
    const cache = new StaleCache<{ amount: number }>({ maxStaleMs: 150, maxEntries: 10 });
    const first = Date.now();
    let checked = 0;
    for (let step = 0; Date.now() - first < 600; step++) {
      const writtenAt = Date.now();
      cache.set('p-1', { amount: step }, writtenAt);
      await wait(10);
      const now = Date.now();
      // A starved host may sleep past maxStaleMs: then the value is rightly gone, nothing to judge.
      if (now - writtenAt >= 150) continue;
      expect(cache.get('p-1', now)).toEqual({ value: { amount: step }, ageMs: now - writtenAt });
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
    expect(cache.size).toBe(1);
  });
});
