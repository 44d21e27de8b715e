import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { SharedStaleStore } from '../../src/degradation/shared-stale-store.js';
import { StaleCache } from '../../src/degradation/stale-cache.js';
import { freePort } from '../helpers/ports.js';
import { startRedis } from '../helpers/redis.js';
import type { RedisServer } from '../helpers/redis.js';

let redis: RedisServer | undefined;
let store: SharedStaleStore | undefined;
let reader: Redis | undefined;
afterEach(async () => {
  reader?.disconnect();
  await store?.close();
  await redis?.kill();
  reader = store = redis = undefined;
});

/**
 * The race the Redis store loses at start-up: a value written before its connection is ready.
 * With no offline queue that SET is dropped; if the cache took it as shared it would not offer
 * the key again for a whole write interval (a minute here), and no other replica could serve it.
 */
describe('a stale value written before Redis is ready', () => {
  it('counts as a failed write, and the cache offers it again once Redis is up, within the write interval', async () => {
    const port = await freePort();
    const outcomes: string[] = [];
    store = new SharedStaleStore({ url: `redis://127.0.0.1:${port}`, keyPrefix: 'race:', timeoutMs: 100, maxValueBytes: 65_536 }, [
      { redisOperation: (operation, outcome) => outcomes.push(`${operation}:${outcome}`) },
    ]);
    const cache = new StaleCache<{ amount: number }>({ maxStaleMs: 300_000, maxEntries: 10, shared: { store, namespace: 'price:', writeIntervalMs: 60_000 } });
    const started = Date.now();
    cache.set('p-0001', { amount: 1999 }, started);
    expect(outcomes).toEqual(['set:error']);

    redis = await startRedis(port);
    reader = new Redis(redis.url);
    // Every answer of the upstream sets the value again, as requests would; one must reach Redis.
    await expect
      .poll(
        async () => {
          cache.set('p-0001', { amount: 1999 }, Date.now());
          const stored = await reader!.get('race:price:p-0001');
          return stored === null ? null : (JSON.parse(stored) as { value: unknown }).value;
        },
        { timeout: 5_000, interval: 100 },
      )
      .toEqual({ amount: 1999 });
    expect(Date.now() - started).toBeLessThan(60_000);
    // Offered again until one write went through, then not again within the interval.
    await expect.poll(() => outcomes.filter((outcome) => outcome === 'set:ok').length).toBe(1);
    cache.set('p-0001', { amount: 1999 }, Date.now());
    expect(outcomes.filter((outcome) => outcome.startsWith('set:')).at(-1)).toBe('set:ok');
    expect(outcomes[0]).toBe('set:error');
  });
});
