import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { startRedis } from '../helpers/redis.js';
import type { RedisServer } from '../helpers/redis.js';
import { upstreamCart } from './write-helpers.js';

let redis: RedisServer | undefined;
let harness: Harness | undefined;
let admin: Redis | undefined;
afterEach(async () => {
  admin?.disconnect();
  await harness?.close();
  await redis?.kill();
  harness = admin = redis = undefined;
});

// Past expect.poll's 1 s default: the writes are fire and forget, and a loaded runner (or Stryker's) may take longer.
const PATIENT = { timeout: 10_000 };

describe('a write replaces the fleet-wide stale value at once', () => {
  it('with redis.writeIntervalMs 60 s, the cart a write answered is in Redis right after it, not the cart read before', async () => {
    redis = await startRedis();
    admin = new Redis(redis.url);
    harness = await startHarness({ redis: { url: redis.url, writeIntervalMs: 60_000 } });
    // The gateway's Redis client drops commands until it is connected: wait until a read's value arrives.
    let probe = 0;
    await expect.poll(async () => {
      probe += 1;
      await harness!.query(`{ product(id: "p-${String(probe).padStart(4, '0')}") { name } }`);
      return admin!.dbsize();
    }, PATIENT).toBeGreaterThan(0);
    await harness.query('{ cart(userId: "u-1") { totalQuantity } }');
    // The shared store keeps `{ value, storedAt }` as JSON under its key prefix and the operation's name.
    const stored = async (): Promise<unknown> => {
      const text = await admin!.get('ballast:stale:cart:u-1');
      return text === null ? null : (JSON.parse(text) as { value: unknown }).value;
    };
    await expect.poll(stored, PATIENT).toEqual({ userId: 'u-1', items: [{ productId: 'p-0001', quantity: 1 }, { productId: 'p-0008', quantity: 2 }, { productId: 'p-0015', quantity: 3 }] });
    const written = await harness.query('mutation { addToCart(userId: "u-1", productId: "p-0002", quantity: 2) { cart { totalQuantity } } }');
    expect(written.body.data).toEqual({ addToCart: { cart: { totalQuantity: 8 } } });
    const expected = await upstreamCart(harness.service('cart'), 'u-1');
    expect(expected).toContainEqual({ productId: 'p-0002', quantity: 2 });
    await expect.poll(stored, PATIENT).toEqual({ userId: 'u-1', items: expected });
  });
});
