import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { ALL_SOURCE_NAMES } from '../../src/declared/names.js';
import { SharedStaleStore } from '../../src/degradation/shared-stale-store.js';
import { createLogger } from '../../src/observability/logger.js';
import { ReloadableGateway } from '../../src/reload.js';
import { createGateway } from '../../src/server.js';
import type { Gateway } from '../../src/server.js';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { freePort } from '../helpers/ports.js';
import { startRedis } from '../helpers/redis.js';
import type { RedisServer } from '../helpers/redis.js';

/**
 * A replica listens only once its Redis client's first connection attempt has ended
 * (SharedStaleStore.firstAttempt, docs/deployment.md "N replicas behind a load balancer"): its
 * first requests read what the fleet stored instead of failing their Redis reads at once, and a
 * Redis that is silent or refused delays the start by a bound, never stops it.
 */
const P1 = '{ product(id: "p-0001") { id price { amount } } }';
const P1_ANSWER = { data: { product: { id: 'p-0001', price: { amount: 13598 } } } };

let redis: RedisServer;
let harness: Harness | undefined;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.kill();
});
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** A TCP server that accepts and never says a word: a hung Redis. `firstBytes` resolves when a client first writes (the ready check). */
async function silentServer(): Promise<{ url: string; firstBytes: Promise<void>; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  let heard!: () => void;
  const firstBytes = new Promise<void>((resolve) => (heard = resolve));
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    socket.once('data', () => heard());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `redis://127.0.0.1:${(server.address() as AddressInfo).port}`,
    firstBytes,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('the shared stale store’s first connection attempt', () => {
  it('settles once the client is ready: the first read after it reaches Redis (a miss), where one before it fails at once', async () => {
    const outcomes: string[] = [];
    const store = new SharedStaleStore({ url: redis.url, keyPrefix: 'first-connect:', timeoutMs: 100, maxValueBytes: 65_536 }, [{ redisOperation: (operation, outcome) => void outcomes.push(`${operation}:${outcome}`) }]);
    try {
      expect(await store.get('p-0001')).toBeUndefined();
      await store.firstAttempt;
      expect(await store.get('p-0001')).toBeUndefined();
      expect(outcomes).toEqual(['get:error', 'get:miss']);
    } finally {
      await store.close();
    }
  });

  // With timeoutMs 20 s the give-up bound is 40 s: settling within 10 s can only come from the event named.
  const LONG = { keyPrefix: 'first-connect:', timeoutMs: 20_000, maxValueBytes: 65_536 };
  const settlesWithin = async (attempt: Promise<void>, ms: number): Promise<string> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([attempt.then(() => 'settled'), new Promise<string>((resolve) => (timer = setTimeout(resolve, ms, 'still waiting')))]);
    } finally {
      clearTimeout(timer);
    }
  };

  it('a refused connection settles it at once (the client’s error event), not at the give-up bound', async () => {
    const store = new SharedStaleStore({ ...LONG, url: `redis://127.0.0.1:${await freePort()}` });
    try {
      expect(await settlesWithin(store.firstAttempt, 10_000)).toBe('settled');
    } finally {
      await store.close();
    }
  });

  it('a store closed while its first attempt hangs settles it at once (the client’s end event)', async () => {
    const silent = await silentServer();
    const store = new SharedStaleStore({ ...LONG, url: silent.url });
    try {
      await silent.firstBytes;
      await store.close();
      expect(await settlesWithin(store.firstAttempt, 10_000)).toBe('settled');
    } finally {
      await silent.close();
    }
  });

  it('a gateway listens only after it: with a silent Redis it is still not listening 1 s after its ready check was sent, then it serves', async () => {
    const silent = await silentServer();
    try {
      // The ready check (INFO) waits its 3 s command timeout; the give-up bound is connect (3 s) + 3 s.
      const starting = startHarness({ redis: { url: silent.url, timeoutMs: 3000 } });
      let listening = false;
      void starting.then(() => (listening = true));
      await silent.firstBytes;
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(listening).toBe(false);
      harness = await starting;
      expect((await harness.query(P1)).body).toEqual(P1_ANSWER);
    } finally {
      await silent.close();
    }
  });

  it('a refused Redis (nothing on the port) does not hold the start: the gateway listens and serves', async () => {
    harness = await startHarness({ redis: { url: `redis://127.0.0.1:${await freePort()}` } });
    expect((await harness.query(P1)).body).toEqual(P1_ANSWER);
  });

  it('a reload swaps its new gateway in only after it: with a silent Redis the old one still takes requests 1 s after the ready check was sent', async () => {
    const silent = await silentServer();
    const config = (redisUrl: string | null) =>
      resolveConfig({ port: 0, host: '127.0.0.1', mode: 'production', logLevel: 'warn' }, { redis: { url: redisUrl, timeoutMs: 3000 }, sources: Object.fromEntries(ALL_SOURCE_NAMES.map((name) => [name, { url: 'http://127.0.0.1:9' }])) });
    const first = createGateway(config(null), { logger: createLogger('silent'), processMetrics: false });
    const next = createGateway(config(silent.url), { logger: createLogger('silent'), processMetrics: false, server: first.server });
    const reloadable = new ReloadableGateway(first);
    try {
      // What the reload's "new requests use the new config" line is written from: called once, after the switch.
      const switchedTo: Gateway[] = [];
      const swapping = reloadable.swap(next, 0, () => switchedTo.push(reloadable.current));
      await silent.firstBytes;
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(reloadable.current).toBe(first);
      expect(switchedTo).toEqual([]);
      await swapping;
      expect(reloadable.current).toBe(next);
      expect(switchedTo).toEqual([next]);
    } finally {
      await next.release();
      await silent.close();
    }
  });
});
