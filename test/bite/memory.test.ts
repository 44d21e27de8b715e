import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceName } from '../../src/config-schema.js';
import { productId } from '../../src/demo/data.js';
import { startDemoServices } from '../../src/demo/index.js';
import type { DemoServices, Fault } from '../../src/demo/index.js';
import { SOURCES } from '../../src/sources/registry.js';
import { postQuery } from '../helpers/harness.js';
import { startBallastProcess } from '../helpers/process.js';
import type { BallastProcess } from '../helpers/process.js';
import { freePort } from '../helpers/ports.js';

/**
 * A leak test in the manner of Hive Gateway's memtests: a real Ballast process, its heap measured
 * after a forced full GC (through the inspector protocol, as a heap snapshot tool would) when warm
 * and idle, under load with flapping upstreams, and after calm-down. MEMTEST_SECONDS=60 soaks longer.
 */
const LOAD_SECONDS = Number(process.env.MEMTEST_SECONDS ?? 20);
/**
 * After calm-down the live heap may exceed the warm baseline by at most this much. Every cache is
 * already full at the baseline (warm-up asks for every product the load asks for), so legitimate
 * growth is the odd metric label and V8's bookkeeping: measured at +0.05 MB. On this 2-core
 * machine the 20 s load makes 1,000 to 2,500 requests, so the bound catches a leak of ~1-2 KB a request
 * (a retained response, closure or socket); smaller per-request leaks need MEMTEST_SECONDS=300.
 */
const MAX_GROWTH_BYTES = 2 * 1024 * 1024;

/** Products the load asks for by id; all of them are in the caches before the baseline. */
const WARM_PRODUCTS = 400;

const FLAPS: Array<[SourceName, Fault]> = [
  ['pricing', { errorRate: 1, errorStatus: 503 }],
  ['inventory', { hang: true }],
  ['reviews', { malformedJson: true }],
  ['pricing', { latencyMs: 1500 }],
  ['catalog', { reset: true }],
  ['inventory', { errorRate: 0.5 }],
];

let demo: DemoServices;
let ballast: BallastProcess;
let inspector: Inspector;

/** The Chrome DevTools protocol of the Ballast process: forced GC and heap usage. */
class Inspector {
  #nextId = 1;
  readonly #pending = new Map<number, (result: unknown) => void>();
  constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as { id?: number; result?: unknown };
      if (message.id !== undefined) this.#pending.get(message.id)?.(message.result);
    });
  }
  static async connect(port: number): Promise<Inspector> {
    const [target] = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
    const socket = new WebSocket(target!.webSocketDebuggerUrl);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    return new Inspector(socket);
  }
  send<T>(method: string): Promise<T> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve as (result: unknown) => void);
      this.socket.send(JSON.stringify({ id, method }));
    });
  }
  /** Used heap bytes after two full collections (the second frees what finalizers of the first released). */
  async heapAfterGc(): Promise<number> {
    await this.send('HeapProfiler.collectGarbage');
    await this.send('HeapProfiler.collectGarbage');
    return (await this.send<{ usedSize: number }>('Runtime.getHeapUsage')).usedSize;
  }
}

function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match![1]) * 1024;
}

const QUERIES = [
  (n: number) => `{ products(first: 20, after: null) { nodes { id name price { formatted } inventory { status } rating { average } } } } # ${n % 7}`,
  (n: number) => `{ product(id: "${productId(1 + (n % WARM_PRODUCTS))}") { id name price { amount } inventory { available } rating { count } } }`,
  (n: number) => `{ cart(userId: "u-${1 + (n % 5)}") { totalQuantity subtotal { amount } items { product { name } } } }`,
  (n: number) => `{ favorites(userId: "u-${1 + (n % 4)}") { id price { amount } } }`,
];

async function drive(untilMs: number, clients: number): Promise<{ requests: number; non200: number }> {
  let requests = 0;
  let non200 = 0;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let n = client; performance.now() < untilMs; n += clients) {
        const { status } = await postQuery(ballast.url, QUERIES[n % QUERIES.length]!(n));
        requests += 1;
        if (status !== 200) non200 += 1;
      }
    }),
  );
  return { requests, non200 };
}

beforeAll(async () => {
  demo = await startDemoServices();
  const inspectPort = await freePort();
  const env = {
    ...Object.fromEntries(SOURCES.map((source) => [source.urlVariable, demo.urls[source.name]!])),
    // Load shedding off: not under test, and on one shared core (Ballast, this runner and the demo
    // upstreams) it refused 16 of 1,050 requests 503 OVERLOADED, failing 'every answer 200'.
    BALLAST__server__maxEventLoopDelayMs: '0',
    BALLAST__server__adaptiveLimit: 'false',
    BALLAST__server__deadlineAdmission__enabled: 'false',
  };
  ballast = await startBallastProcess({ command: [process.execPath, `--inspect=127.0.0.1:${inspectPort}`, '--import', 'tsx', 'src/main.ts'], env });
  inspector = await Inspector.connect(inspectPort);
}, 60_000);
afterAll(async () => {
  inspector?.socket.close();
  ballast?.kill();
  await demo?.close();
});

describe('memory under flapping load', () => {
  it(`returns near its warm baseline after ${LOAD_SECONDS} s of load with flapping upstreams`, { timeout: (LOAD_SECONDS + 90) * 1000 }, async () => {
    // Warm-up: every product the load will ask for through every cache, every code path compiled.
    for (let n = 0; n < WARM_PRODUCTS; n += 4) {
      await Promise.all([0, 1, 2, 3].map((k) => postQuery(ballast.url, QUERIES[1]!(n + k))));
    }
    await drive(performance.now() + 3000, 4);
    const baseline = await inspector.heapAfterGc();
    const baselineRss = rssBytes(ballast.process.pid!);

    let flip = 0;
    const flapper = setInterval(() => {
      for (const service of Object.values(demo.services)) service.clearFault();
      const [source, fault] = FLAPS[flip++ % FLAPS.length]!;
      if (flip % 2 === 1) demo.service(source).setFault(fault);
    }, 500);
    const load = await drive(performance.now() + LOAD_SECONDS * 1000, 6);
    const underLoad = await inspector.heapAfterGc();
    clearInterval(flapper);
    for (const service of Object.values(demo.services)) service.clearFault();

    // Calm-down: healthy traffic for a few seconds lets hung calls, stale refreshes and breakers settle.
    await drive(performance.now() + 3000, 2);
    // Work the load left behind (a hung call until its timeout, a stale refresh) may still hold memory
    // on a starved runner: poll until the heap is back (a leak never comes back), for at most 20 s.
    let after = await inspector.heapAfterGc();
    const calmUntil = performance.now() + 20_000;
    while (after - baseline >= MAX_GROWTH_BYTES && performance.now() < calmUntil) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      after = await inspector.heapAfterGc();
    }
    const afterRss = rssBytes(ballast.process.pid!);
    const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MB`;
    console.log(
      `memtest: ${load.requests} requests in ${LOAD_SECONDS} s; heap after GC: idle ${mb(baseline)}, under load ${mb(underLoad)}, after calm-down ${mb(after)}; RSS ${mb(baselineRss)} → ${mb(afterRss)}`,
    );
    expect(load.non200).toBe(0);
    // A floor, not a speed claim: enough requests that a per-request leak would show.
    expect(load.requests).toBeGreaterThan(LOAD_SECONDS * 10);
    expect(after - baseline).toBeLessThan(MAX_GROWTH_BYTES);
    // Still serving, with the upstream's values.
    const { body } = await postQuery(ballast.url, `{ product(id: "p-0001") { id price { amount } } }`);
    expect(body).toEqual({ data: { product: { id: 'p-0001', price: { amount: 13598 } } } });
  });
});
