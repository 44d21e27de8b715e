import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SharedStaleStore } from '../../src/degradation/shared-stale-store.js';
import type { SharedStaleStoreOptions } from '../../src/degradation/shared-stale-store.js';
import { freePort } from '../helpers/ports.js';
import { startRedis } from '../helpers/redis.js';
import type { RedisServer } from '../helpers/redis.js';

/**
 * The fleet-wide stale store (src/degradation/shared-stale-store.ts) against a real redis-server
 * on loopback, where mutation testing found its promises unheld (docs/testing.md, "Mutation
 * testing"): what is written (key prefix, `{ value, storedAt }`, the TTL in whole ms), the size
 * bound at its exact edge, what each operation reports, and the store's own circuit (five failures
 * in a row open it for five seconds; a success in between starts the count again).
 */
let redis: RedisServer;
let admin: Redis;
beforeAll(async () => {
  redis = await startRedis();
  admin = new Redis(redis.url);
});
afterAll(async () => {
  admin.disconnect();
  await redis.kill();
});

const stores: SharedStaleStore[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(stores.splice(0).map((store) => store.close()));
  await admin.flushall();
});

const OPTIONS: SharedStaleStoreOptions = { url: '', keyPrefix: 'bite:', timeoutMs: 100, maxValueBytes: 65_536 };

/** A store and the outcomes it reports, in order. */
function storeOn(url: string, options: Partial<SharedStaleStoreOptions> = {}): { store: SharedStaleStore; outcomes: string[] } {
  const outcomes: string[] = [];
  const store = new SharedStaleStore({ ...OPTIONS, url, ...options }, [{ redisOperation: (operation, outcome) => outcomes.push(`${operation}:${outcome}`) }, {}]);
  stores.push(store);
  return { store, outcomes };
}

/** A store whose connection is ready (a SET goes out only then). */
async function readyStore(options: Partial<SharedStaleStoreOptions> = {}): Promise<{ store: SharedStaleStore; outcomes: string[] }> {
  const made = storeOn(redis.url, options);
  await expect.poll(async () => (await made.store.get('probe'), made.outcomes.at(-1))).toBe('get:miss');
  made.outcomes.length = 0;
  return made;
}

const storedText = (key: string): Promise<string | null> => admin.get(key);

describe('writes and reads', () => {
  it('SETs `{ value, storedAt }` as JSON under the prefix, with the TTL in whole ms, and reads it back', async () => {
    const { store, outcomes } = await readyStore();
    expect(store.set('price:p-1', { amount: 1999 }, 1_700_000_000_000, 60_000.4)).toBe(true);
    await expect.poll(() => storedText('bite:price:p-1')).toBe('{"value":{"amount":1999},"storedAt":1700000000000}');
    const ttl = await admin.pttl('bite:price:p-1');
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    await expect.poll(() => outcomes).toEqual(['set:ok']);
    await expect(store.get('price:p-1')).resolves.toEqual({ value: { amount: 1999 }, storedAt: 1_700_000_000_000 });
    await expect(store.get('price:p-2')).resolves.toBeUndefined();
    expect(outcomes).toEqual(['set:ok', 'get:ok', 'get:miss']);
  });

  it('a TTL under half a millisecond is still a valid one of 1 ms, not refused by Redis', async () => {
    const { store, outcomes } = await readyStore();
    expect(store.set('k', 1, 0, 0.2)).toBe(true);
    await expect.poll(() => outcomes).toEqual(['set:ok']);
  });

  it('a value of exactly maxValueBytes is written; one byte more is kept out of Redis (yet reported sent)', async () => {
    // `{"value":"…","storedAt":0}` is 25 bytes around the string.
    const { store, outcomes } = await readyStore({ maxValueBytes: 40 });
    expect(store.set('at-edge', 'x'.repeat(15), 0, 60_000)).toBe(true);
    expect(store.set('past-edge', 'x'.repeat(16), 0, 60_000)).toBe(true);
    await expect.poll(() => outcomes).toEqual(['set:ok']);
    expect(await admin.keys('bite:*')).toEqual(['bite:at-edge']);
  });

  it('a read that outlasts timeoutMs gives up as an error', async () => {
    const { store, outcomes } = await readyStore({ timeoutMs: 100 });
    await admin.client('PAUSE', 1_500);
    await expect(store.get('k')).resolves.toBeUndefined();
    expect(outcomes).toEqual(['get:error']);
  });

  it('a write that outlasts timeoutMs is counted as an error', async () => {
    const { store, outcomes } = await readyStore({ timeoutMs: 100 });
    await admin.client('PAUSE', 1_500);
    expect(store.set('k', 1, 0, 60_000)).toBe(true);
    await expect.poll(() => outcomes).toEqual(['set:error']);
  });

  it('a read before the connection is ready fails at once instead of waiting in a queue', async () => {
    await admin.set('bite:k', JSON.stringify({ value: 1, storedAt: 0 }));
    const { store, outcomes } = storeOn(redis.url);
    await expect(store.get('k')).resolves.toBeUndefined();
    expect(outcomes).toEqual(['get:error']);
  });

  it('close() ends its connection', async () => {
    const { store } = await readyStore();
    const clients = async (): Promise<number> => String(await admin.client('LIST')).trim().split('\n').length;
    expect(await clients()).toBe(2);
    await store.close();
    await expect.poll(clients).toBe(1);
  });
});

describe("the store's own circuit", () => {
  it('five failures in a row open it for 5,000 ms (operations skipped), then five more are needed to open it again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    // No Redis on this port: every operation fails at once (no offline queue).
    const { store, outcomes } = storeOn(`redis://127.0.0.1:${await freePort()}`);
    for (let n = 0; n < 5; n++) await store.get('k');
    expect(outcomes).toEqual(Array(5).fill('get:error'));
    outcomes.length = 0;
    await store.get('k');
    expect(store.set('k', 1, 0, 1_000)).toBe(false);
    expect(outcomes).toEqual(['get:skipped', 'set:skipped']);

    vi.setSystemTime(Date.now() + 4_999);
    await store.get('k');
    expect(outcomes.at(-1)).toBe('get:skipped');
    vi.setSystemTime(Date.now() + 1);
    outcomes.length = 0;
    for (let n = 0; n < 4; n++) await store.get('k');
    expect(store.set('k', 1, 0, 1_000)).toBe(false);
    await store.get('k');
    // The SET while not connected is the fifth failure.
    expect(outcomes).toEqual([...Array(4).fill('get:error'), 'set:error', 'get:skipped']);
  });

  it('a success in between starts the count again', async () => {
    const { store, outcomes } = await readyStore();
    // A key of the wrong type makes GET fail while Redis is up.
    await admin.lpush('bite:list', 'x');
    const fail = async (times: number): Promise<void> => {
      for (let n = 0; n < times; n++) await store.get('list');
    };
    await fail(4);
    await store.get('absent');
    await fail(4);
    await store.get('absent');
    expect(outcomes).toEqual([...Array(4).fill('get:error'), 'get:miss', ...Array(4).fill('get:error'), 'get:miss']);
    outcomes.length = 0;
    await fail(5);
    await store.get('absent');
    expect(outcomes).toEqual([...Array(5).fill('get:error'), 'get:skipped']);
  });
});

describe('a Redis that refuses every connection', () => {
  it('is retried in the background at a growing pace (not in a busy loop), and its errors are not logged', async () => {
    // A loopback listener that hangs up on every connection: each is one reconnect attempt.
    const sockets: Socket[] = [];
    const refuser = createServer((socket) => {
      sockets.push(socket);
      socket.destroy();
    });
    await new Promise<void>((resolve) => refuser.listen(0, '127.0.0.1', resolve));
    const errorLines = vi.spyOn(console, 'error');
    try {
      const created = Date.now();
      storeOn(`redis://127.0.0.1:${(refuser.address() as AddressInfo).port}`);
      // It does try again (the first retry waits 200 ms)…
      await expect.poll(() => sockets.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
      // …but retries wait 200, 400, 600 ms…: within 1,300 ms of the start (a measuring window, not a
      // wait for a state) the first connection and at most three more, at t ≈ 200, 600, 1,200 ms.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1_300 - (Date.now() - created))));
      expect(sockets.length).toBeLessThanOrEqual(4);
      expect(errorLines).not.toHaveBeenCalled();
    } finally {
      errorLines.mockRestore();
      await Promise.all(stores.splice(0).map((store) => store.close()));
      await new Promise((resolve) => refuser.close(resolve));
    }
  });
});
