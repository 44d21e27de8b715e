import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { HostStaleDepot } from '../../src/cluster/host-stale-depot.js';
import type { StaleStore } from '../../src/degradation/stale-cache.js';
import { startHarness } from '../helpers/harness.js';
import type { GraphQLResponse, Harness } from '../helpers/harness.js';
import { startRedis } from '../helpers/redis.js';
import type { RedisServer } from '../helpers/redis.js';
import { linesOf } from './write-helpers.js';

/**
 * docs/degradation.md, "Writes": after a write, a later degraded read serves the written value,
 * never an older one. An older one could come back two ways: a read whose call started before the
 * write and answered after it (its answer stored over the written value, here, in the primary's
 * copy or in Redis), and a worker serving its own older value while the store it can read holds the
 * written one. The cart upstream is the test's own: its GET takes the cart when the request
 * arrives and answers `getDelayMs` later, so a read can be in flight across a write.
 */
type Line = { productId: string; quantity: number };

interface CartUpstream {
  url: string;
  carts: Map<string, Line[]>;
  /** GETs received so far. */
  gets: number;
  /** GETs wait for `release()` before answering the cart they took on arrival. */
  holding: boolean;
  release(): void;
  /** Every GET answers 503. */
  failing: boolean;
  close(): Promise<void>;
}

async function startCartUpstream(): Promise<CartUpstream> {
  const upstream = { carts: new Map<string, Line[]>([['u-2', [{ productId: 'p-0001', quantity: 1 }]]]), gets: 0, holding: false, failing: false } as CartUpstream;
  const held: Array<() => void> = [];
  upstream.release = () => {
    for (const answer of held.splice(0)) answer();
  };
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url!, 'http://127.0.0.1').pathname.split('/');
    const userId = decodeURIComponent(path[2]!);
    const send = (status: number, body: unknown): void => void response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (request.method === 'GET') {
      upstream.gets += 1;
      if (upstream.failing) return send(503, { error: 'down' });
      // The snapshot is taken now; the answer leaves later.
      const snapshot = { userId, items: structuredClone(upstream.carts.get(userId) ?? []) };
      if (upstream.holding) held.push(() => send(200, snapshot));
      else send(200, snapshot);
      return;
    }
    let text = '';
    request.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    request.on('end', () => {
      const { productId, quantity } = JSON.parse(text) as Line;
      const lines = upstream.carts.get(userId) ?? [];
      const line = lines.find((candidate) => candidate.productId === productId);
      if (line) line.quantity += quantity;
      else lines.push({ productId, quantity });
      upstream.carts.set(userId, lines);
      send(200, { userId, items: lines });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  upstream.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  upstream.close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return upstream;
}

/** Load shedding off and patient timeouts: these tests are about which value is served, not time. */
const STEADY = { adaptiveLimit: false, maxEventLoopDelayMs: 0, deadlineAdmission: { enabled: false } };
function cartConfig(url: string) {
  return {
    server: STEADY,
    deadlineMs: 10_000,
    sources: { cart: { url, maxStaleMs: 60_000, timeoutMs: 8_000, attemptTimeoutMs: 8_000, retry: { maxAttempts: 1 }, breaker: { enabled: false } } },
  };
}

const CART = '{ cart(userId: "u-2") { items { quantity product { id } } } }';
const ADD = (productId: string): string => `mutation { addToCart(userId: "u-2", productId: "${productId}", quantity: 1) { cart { items { quantity product { id } } } } }`;
const lines = (response: GraphQLResponse): Line[] => linesOf(response.body.data!.cart as Parameters<typeof linesOf>[0]);

/** The host's stale values held in this process: the primary's depot behind the StaleStore a worker uses (src/cluster/host-stale-store.ts). */
function inProcessHostStore(depot: HostStaleDepot): StaleStore {
  return {
    async get(key) {
      const [kept] = depot.get([key]);
      return kept ? { value: JSON.parse(kept.text) as unknown, storedAt: kept.storedAt } : undefined;
    },
    set(key, value, storedAt, ttlMs, written) {
      depot.put([{ key, text: JSON.stringify(value), storedAt, ttlMs, ...(written ? { written } : {}) }]);
      return true;
    },
    close: async () => undefined,
  };
}

let upstream: CartUpstream | undefined;
const harnesses: Harness[] = [];
let redis: RedisServer | undefined;
let admin: Redis | undefined;
afterEach(async () => {
  admin?.disconnect();
  for (const harness of harnesses.splice(0)) await harness.close();
  await upstream?.close();
  await redis?.kill();
  upstream = redis = admin = undefined;
});

/** Starts `read` on `harness` and resolves once the upstream has its GET (the cart it will answer is taken). */
async function readInFlight(harness: Harness): Promise<{ answer: Promise<GraphQLResponse> }> {
  const before = upstream!.gets;
  const answer = harness.query(CART);
  await expect.poll(() => upstream!.gets).toBe(before + 1);
  // Wrapped: an async function returning the promise itself would wait for it.
  return { answer };
}

/** A degraded read: the cart's STALE value and its report entry. */
async function degradedRead(harness: Harness): Promise<{ lines: Line[]; fallback: string | undefined; staleAgeMs: number | undefined }> {
  const response = await harness.query(CART);
  const [entry] = response.body.extensions?.degraded ?? [];
  expect(response.body.extensions?.degraded).toHaveLength(1);
  return { lines: lines(response), fallback: entry?.fallback, staleAgeMs: entry?.staleAgeMs };
}

describe('one process: a read that started before a write answers after it', () => {
  it('its older cart does not replace the written one; the degraded read serves the write, aged from the write', async () => {
    upstream = await startCartUpstream();
    const harness = await startHarness(cartConfig(upstream.url));
    harnesses.push(harness);
    upstream.holding = true;
    const slowRead = await readInFlight(harness);
    const writtenAfter = Date.now();
    const written = await harness.query(ADD('p-0007'));
    expect(written.body.errors).toBeUndefined();
    const expected = upstream.carts.get('u-2')!;
    expect(expected).toEqual([{ productId: 'p-0001', quantity: 1 }, { productId: 'p-0007', quantity: 1 }]);
    // The read answers the cart as it was when it arrived, after the write answered.
    upstream.release();
    expect(lines(await slowRead.answer)).toEqual([{ productId: 'p-0001', quantity: 1 }]);

    upstream.failing = true;
    const askedAt = Date.now();
    const degraded = await degradedRead(harness);
    expect(degraded.lines).toEqual(expected);
    expect(degraded.fallback).toBe('STALE');
    // The age of the written value: at most since just before the write was sent.
    expect(degraded.staleAgeMs).toBeLessThanOrEqual(Date.now() - writtenAfter);
    expect(degraded.staleAgeMs).toBeGreaterThanOrEqual(0);
    expect(askedAt).toBeGreaterThanOrEqual(writtenAfter);
  });
});

describe('two workers sharing the host stale store (in process: the primary depot behind each worker)', () => {
  async function twoWorkers(): Promise<{ a: Harness; b: Harness; depot: HostStaleDepot }> {
    upstream = await startCartUpstream();
    const depot = new HostStaleDepot(1 << 20);
    const hostStaleStore = inProcessHostStore(depot);
    const a = await startHarness(cartConfig(upstream.url), { hostStaleStore });
    const b = await startHarness(cartConfig(upstream.url), { hostStaleStore });
    harnesses.push(a, b);
    return { a, b, depot };
  }
  const held = (depot: HostStaleDepot): unknown => {
    const [kept] = depot.get(['cart:u-2']);
    return kept ? (JSON.parse(kept.text) as { items: unknown }).items : undefined;
  };

  it('no race: both workers read the cart, one writes, the cart fails: both serve the written cart', async () => {
    const { a, b, depot } = await twoWorkers();
    const before = [{ productId: 'p-0001', quantity: 1 }];
    expect(lines(await a.query(CART))).toEqual(before);
    expect(lines(await b.query(CART))).toEqual(before);
    const written = await a.query(ADD('p-0009'));
    expect(written.body.errors).toBeUndefined();
    const expected = upstream!.carts.get('u-2')!;
    expect(expected).toEqual([...before, { productId: 'p-0009', quantity: 1 }]);
    expect(held(depot)).toEqual(expected);

    upstream!.failing = true;
    for (const worker of [a, b, a, b]) {
      const degraded = await degradedRead(worker);
      expect(degraded).toMatchObject({ lines: expected, fallback: 'STALE' });
    }
  });

  it("a read on the other worker started before the write and answered after it: the host's copy keeps the written cart", async () => {
    const { a, b, depot } = await twoWorkers();
    upstream!.holding = true;
    const slowRead = await readInFlight(b);
    const written = await a.query(ADD('p-0009'));
    expect(written.body.errors).toBeUndefined();
    const expected = upstream!.carts.get('u-2')!;
    upstream!.release();
    expect(lines(await slowRead.answer)).toEqual([{ productId: 'p-0001', quantity: 1 }]);
    expect(held(depot)).toEqual(expected);

    upstream!.failing = true;
    for (const worker of [a, b]) expect(await degradedRead(worker)).toMatchObject({ lines: expected, fallback: 'STALE' });
  });
});

describe('two replicas sharing Redis', () => {
  it('a written cart too large to share takes the older one out of Redis, so no replica serves it from there', async () => {
    redis = await startRedis();
    admin = new Redis(redis.url);
    upstream = await startCartUpstream();
    // Room for the one-line cart as stored (about 90 bytes), not for the two-line one the write makes.
    const config = { ...cartConfig(upstream.url), redis: { url: redis.url, writeIntervalMs: 60_000, maxValueBytes: 120 } };
    const a = await startHarness(config);
    harnesses.push(a);
    expect(lines(await a.query(CART))).toEqual([{ productId: 'p-0001', quantity: 1 }]);
    await expect.poll(() => admin!.exists('ballast:stale:cart:u-2'), { timeout: 10_000 }).toBe(1);
    const written = await a.query(ADD('p-0009'));
    expect(written.body.errors).toBeUndefined();
    await expect.poll(() => admin!.exists('ballast:stale:cart:u-2'), { timeout: 10_000 }).toBe(0);
  });


  it('a read on one replica started before a write on the other and answered after it: Redis keeps the written cart, both serve it', async () => {
    redis = await startRedis();
    admin = new Redis(redis.url);
    upstream = await startCartUpstream();
    const config = { ...cartConfig(upstream.url), redis: { url: redis.url, writeIntervalMs: 60_000 } };
    const a = await startHarness(config);
    const b = await startHarness(config);
    harnesses.push(a, b);
    const stored = async (): Promise<unknown> => {
      const text = await admin!.get('ballast:stale:cart:u-2');
      return text === null ? null : (JSON.parse(text) as { value: { items: unknown } }).value.items;
    };
    upstream.holding = true;
    const slowRead = await readInFlight(b);
    const written = await a.query(ADD('p-0009'));
    expect(written.body.errors).toBeUndefined();
    const expected = upstream.carts.get('u-2')!;
    await expect.poll(stored, { timeout: 10_000 }).toEqual(expected);
    upstream.release();
    expect(lines(await slowRead.answer)).toEqual([{ productId: 'p-0001', quantity: 1 }]);
    // B hands its answer to Redis before its response is written; a round trip on B's own
    // connection after it (the degraded read below asks Redis) is ordered after that SET.
    upstream.failing = true;
    for (const worker of [b, a]) expect(await degradedRead(worker)).toMatchObject({ lines: expected, fallback: 'STALE' });
    expect(await stored()).toEqual(expected);
  });
});
