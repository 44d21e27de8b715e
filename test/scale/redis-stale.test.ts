import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOURCES } from '../../src/sources/registry.js';
import { postQuery, startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { startBallastProcess } from '../helpers/process.js';
import type { BallastProcess } from '../helpers/process.js';
import { startRedis } from '../helpers/redis.js';
import type { RedisServer } from '../helpers/redis.js';

/** Two replicas sharing one real Redis: B, a fresh process, serves what A saw. */
const PRICES = (ids: string[]) => `{ ${ids.map((id, index) => `p${index}: product(id: "${id}") { id price { amount } }`).join(' ')} }`;

let redis: RedisServer;
let admin: Redis;
let replicaA: Harness;
let replicaB: BallastProcess | undefined;

beforeAll(async () => {
  redis = await startRedis();
  admin = new Redis(redis.url);
  // The second test kills the server under this client: its reconnect errors are expected.
  admin.on('error', () => undefined);
  // Patient upstreams: A's healthy query must answer whole on a loaded runner too (its three prices once came back as field errors).
  const patient = { timeoutMs: 3000, attemptTimeoutMs: 3000 };
  replicaA = await startHarness({ redis: { url: redis.url }, deadlineMs: 5000, fieldTimeouts: { 'Product.price': 3000 }, sources: { catalog: patient, pricing: { ...patient, retry: { maxAttempts: 1 } } } });
  // No wait for A's Redis client: a gateway listens only once its first connection attempt ended
  // (test/scale/redis-first-connect.test.ts), so A's first writes reach Redis.
});
afterAll(async () => {
  admin?.disconnect();
  replicaB?.kill();
  await replicaA?.close();
  await redis?.kill();
});

describe('a fleet-wide stale cache on Redis', () => {
  it('lets a fresh replica serve STALE prices that another replica saw', async () => {
    const ids = ['p-0001', 'p-0002', 'p-0003'];
    const healthy = await replicaA.query(PRICES(ids));
    expect(healthy.body.errors).toBeUndefined();
    // Writes to Redis are never awaited by requests: wait until A's prices are there (a state, not a sleep).
    await expect.poll(async () => (await admin.keys('ballast:stale:price:*')).length, { timeout: 5000 }).toBeGreaterThanOrEqual(ids.length);

    replicaA.service('pricing').setFault({ errorRate: 1 });
    const urls = Object.fromEntries(SOURCES.map((source) => [source.urlVariable, replicaA.demo.urls[source.name]!]));
    replicaB = await startBallastProcess({ env: { ...urls, REDIS_URL: redis.url, BALLAST_WORKERS: '1', BALLAST__sources__pricing__retry__maxAttempts: '1' } });
    // B's first query right after its banner: before a gateway waited for its Redis client to connect,
    // the whole suite on one core saw B answer price null here, not STALE.
    const stale = await postQuery(replicaB!.url, PRICES(ids));
    expect(stale.body.data).toEqual(healthy.body.data);
    expect(stale.body.errors).toBeUndefined();
    expect(stale.body.extensions?.degraded).toEqual([
      { source: 'pricing', reason: 'UPSTREAM_UNAVAILABLE', fallback: 'STALE', paths: ids.map((_, index) => [`p${index}`, 'price']), staleAgeMs: expect.any(Number) },
    ]);
  });

  it('keeps answering within the deadline when Redis dies, and counts the Redis failures', async () => {
    await redis.kill();
    const started = performance.now();
    const unseen = await postQuery(replicaB!.url, PRICES(['p-0100', 'p-0101']));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(unseen.status).toBe(200);
    expect(unseen.body.extensions?.degraded?.[0]).toMatchObject({ source: 'pricing', fallback: 'NULL' });
    // What B already took from Redis stays in its memory.
    const remembered = await postQuery(replicaB!.url, PRICES(['p-0001']));
    expect(remembered.body.extensions?.degraded?.[0]).toMatchObject({ fallback: 'STALE' });

    const metrics = await (await fetch(`${replicaB!.url}/metrics`)).text();
    const failures = /^ballast_redis_operations_total\{operation="get",outcome="error"\} (\d+)/m.exec(metrics);
    expect(Number(failures?.[1] ?? 0)).toBeGreaterThan(0);
    // Replica A degrades from its own memory without waiting on the dead Redis.
    const fromMemory = await replicaA.query(PRICES(['p-0002']));
    expect(fromMemory.body.extensions?.degraded?.[0]).toMatchObject({ fallback: 'STALE' });
  });
});
