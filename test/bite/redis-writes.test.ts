import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigOverrides } from '../../src/config.js';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { startRedis } from '../helpers/redis.js';
import type { RedisServer } from '../helpers/redis.js';
import { metricValue, scrape } from './helpers.js';

/**
 * The shared stale cache's write rules, counted on a real redis-server: `redis.writeIntervalMs`
 * (one SET per key per interval), `redis.maxValueBytes` (bigger values stay in memory) and the
 * store's own circuit (after 5 failures, operations are skipped, counted as `skipped`).
 */
let redis: RedisServer | undefined;
let harness: Harness | undefined;
let admin: Redis | undefined;
afterEach(async () => {
  admin?.disconnect();
  await harness?.close();
  await redis?.kill();
  harness = admin = redis = undefined;
});

async function start(redisConfig: Record<string, unknown>): Promise<Harness> {
  redis = await startRedis();
  admin = new Redis(redis.url);
  // The circuit test kills the server under this client: its reconnect errors are expected.
  admin.on('error', () => undefined);
  // Patient upstreams: a healthy query must answer whole on a loaded runner too, where a pricing or
  // catalog attempt once missed its 450 ms (a field error in the circuit test, 1 of 2 runs on one shared core).
  const patient = { timeoutMs: 3000, attemptTimeoutMs: 3000 };
  const overrides: ConfigOverrides = { redis: { url: redis.url, ...redisConfig }, deadlineMs: 5000, fieldTimeouts: { 'Product.price': 3000 }, sources: { catalog: patient, pricing: patient } };
  harness = await startHarness(overrides);
  // A SET before the gateway's Redis client is ready is dropped (no offline queue): wait for its ready check (INFO).
  await expect.poll(async () => String(await admin!.client('LIST')).includes('cmd=info')).toBe(true);
  return harness;
}

/** SET commands the server has executed, from INFO commandstats. */
async function setCommands(): Promise<number> {
  const stats = await admin!.info('commandstats');
  return Number(/cmdstat_set:calls=(\d+)/.exec(stats)?.[1] ?? 0);
}

const PRICE = (id: string): string => `{ product(id: "${id}") { id price { amount } } }`;

async function queryTimes(h: Harness, times: number, id = 'p-0001'): Promise<void> {
  for (let n = 0; n < times; n++) expect((await h.query(PRICE(id))).body.errors).toBeUndefined();
}

describe('redis.writeIntervalMs', () => {
  it('0: every fresh value is written (catalog and pricing, 5 requests = 10 SETs)', async () => {
    const h = await start({ writeIntervalMs: 0 });
    await queryTimes(h, 5);
    await expect.poll(setCommands).toBe(10);
  });

  it('60 s: five requests for the same product write each key once (2 SETs), a new product adds its own', async () => {
    const h = await start({ writeIntervalMs: 60_000 });
    await queryTimes(h, 5);
    await expect.poll(setCommands).toBe(2);
    await queryTimes(h, 3, 'p-0002');
    await expect.poll(setCommands).toBe(4);
    expect(await setCommands()).toBe(4);
  });
});

describe('redis.maxValueBytes', () => {
  it('values larger than the limit are never sent to Redis, yet still served stale from memory', async () => {
    const h = await start({ writeIntervalMs: 0, maxValueBytes: 20 });
    await queryTimes(h, 3);
    expect(await setCommands()).toBe(0);
    expect(await admin!.dbsize()).toBe(0);
    h.service('pricing').setFault({ errorRate: 1, errorStatus: 503 });
    const { body } = await h.query(PRICE('p-0001'));
    expect(body.data).toEqual({ product: { id: 'p-0001', price: { amount: 13598 } } });
    expect(body.extensions?.degraded?.[0]).toMatchObject({ source: 'pricing', reason: 'UPSTREAM_UNAVAILABLE', fallback: 'STALE' });
  });
});

describe("the Redis store's own circuit", () => {
  it('after Redis dies, failures open it and further operations are skipped, not sent; requests still answer', async () => {
    const h = await start({ writeIntervalMs: 0 });
    await queryTimes(h, 1);
    await expect.poll(setCommands).toBe(2);
    await redis!.kill();
    const redisOps = async (outcome: string): Promise<number> => metricValue(await scrape(h), 'ballast_redis_operations_total', { operation: 'set', outcome }) ?? 0;
    for (let n = 2; n <= 8 && (await redisOps('skipped')) === 0; n++) await queryTimes(h, 1, `p-000${n}`);
    const errors = await redisOps('error');
    expect(errors).toBeGreaterThanOrEqual(5);
    const skipped = await redisOps('skipped');
    expect(skipped).toBeGreaterThan(0);
    // While open (5 s): each healthy request skips its two writes, and no new error is counted.
    await queryTimes(h, 3, 'p-0100');
    expect(await redisOps('skipped')).toBe(skipped + 6);
    expect(await redisOps('error')).toBe(errors);
  });
});
