/**
 * `npx tsx bench/per-call-ab.ts --roots=/base,/work/wt/x [--rounds=8] [--requests=4000] [--case=loads]`:
 * the CPU Ballast spends per upstream call and per loaded value outside HTTP, for two or more
 * checkouts (each built with `tsc -p tsconfig.bench.json`), old and new interleaved in every round
 * so a shared machine's noise falls on both. Each checkout's own compiled `dist/` is loaded, each
 * measurement in a process of its own (warm-up first, then `--requests` timed).
 *
 * `--case=loads` (default): what S1 does per request after the page arrives, without the network:
 * one request's `RequestLoads`, `loadMany` of the page's 20 prices and 20 stock levels (the
 * prefetch), each through its operation's DataLoader, the source's resilience pipeline
 * (bulkhead, total timeout, retry, breaker, attempt timeout) with metrics attached, the item
 * checks (zod), the stale-cache writes, then `finish()`. The upstream client is a stand-in that
 * answers each call with a freshly parsed body at once (JSON.parse of the bytes the demo would
 * send), so the figure is the gateway's own work per call and per value, not undici's.
 * `--case=stale`: `StaleCache.set` alone, 1,200 price-shaped values in turn (S1's key space).
 * `--case=metrics`: `BallastMetrics.callEnded` alone, three calls per request.
 * `--case=items`: reading the page's price and stock answers alone (envelope, each item checked,
 * matched back by key), the operations' `load` given the parsed body directly.
 * `--case=pipeline`: three calls per request through a source's pipeline alone (metrics attached,
 * a stand-in client answering at once, `parse` returning the body): the resilience layers' cost.
 * `--case=scope`: one request's `RequestLoads` built and finished, nothing loaded.
 */
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => args.find((entry) => entry.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const roots = arg('roots', process.cwd()).split(',');
const rounds = Number(arg('rounds', '8'));
const requests = Number(arg('requests', '4000'));
const which = arg('case', 'loads');

const PAGE = 20;
const PAGES = 60;
const pageKeys = Array.from({ length: PAGES }, (_unused, page) => Array.from({ length: PAGE }, (_unused2, index) => `p-${String(page * PAGE + index + 1).padStart(4, '0')}`));
const priceBodies = pageKeys.map((keys) => JSON.stringify({ items: keys.map((productId, index) => ({ productId, amount: 1000 + index * 37, currency: 'USD' })) }));
const stockBodies = pageKeys.map((keys) => JSON.stringify({ items: keys.map((productId, index) => ({ productId, available: index * 3, updatedAt: '2026-01-01T00:00:00.000Z' })) }));

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each checkout's compiled modules, loaded by path
type Module = any;
const load = (root: string, file: string): Promise<Module> => import(pathToFileURL(path.join(root, 'dist', file)).href);

interface Case {
  run(count: number): Promise<void> | void;
  close(): void;
}

async function loadsCase(root: string): Promise<Case> {
  const [{ ResiliencePipeline }, { BoundOperation }, { RequestLoads }, { Deadline }, { BallastMetrics }, { DEFAULT_SOURCE_POLICY }, { pricing }, { inventory }] = await Promise.all([
    load(root, 'src/resilience/pipeline.js'),
    load(root, 'src/sources/operation.js'),
    load(root, 'src/loads/request-loads.js'),
    load(root, 'src/resilience/deadline.js'),
    load(root, 'src/observability/metrics.js'),
    load(root, 'src/resilience/policy.js'),
    load(root, 'src/sources/pricing.js'),
    load(root, 'src/sources/inventory.js'),
  ]);
  let page = 0;
  // Answers each call at once with the body the demo would send for its page.
  const client = {
    limitConnections() {},
    request: (request: { path: string }) => Promise.resolve({ status: 200, body: JSON.parse(request.path.startsWith('/prices') ? priceBodies[page]! : stockBodies[page]!) }),
  };
  const observers: object[] = [];
  const policy = { ...DEFAULT_SOURCE_POLICY, url: 'http://127.0.0.1:1' };
  const pipelines = {
    pricing: new ResiliencePipeline('pricing', new URL('http://127.0.0.1:1'), policy, client, observers),
    inventory: new ResiliencePipeline('inventory', new URL('http://127.0.0.1:2'), policy, client, observers),
  };
  observers.push(new BallastMetrics(pipelines as never, { defaultMetrics: false }));
  const options = { maxStaleMs: policy.maxStaleMs, staleMaxEntries: policy.staleMaxEntries, staleMaxBytes: policy.staleMaxBytes, maxBatchSize: policy.maxBatchSize, currency: 'USD' };
  const price = new BoundOperation(pricing.operations.price, pipelines.pricing, options);
  const stock = new BoundOperation(inventory.operations.inventory, pipelines.inventory, options);
  const headers = { 'x-request-id': 'bench' };
  return {
    async run(count) {
      for (let index = 0; index < count; index++) {
        page = index % PAGES;
        const loads = new RequestLoads({ deadline: new Deadline(5_000), headers: () => headers, ids: { requestId: 'bench' } });
        const keys = pageKeys[page]!;
        const [prices, stocks] = await Promise.all([loads.loaderFor(price).loadMany(keys), loads.loaderFor(stock).loadMany(keys)]);
        if (prices[19]?.amount !== 1000 + 19 * 37 || stocks[19]?.available !== 57) throw new Error(`wrong values: ${String(prices[19])} ${String(stocks[19])}`);
        loads.finish();
      }
    },
    close() {
      for (const pipeline of Object.values(pipelines)) pipeline.shutdown();
    },
  };
}

async function staleCase(root: string): Promise<Case> {
  const { StaleCache } = await load(root, 'src/degradation/stale-cache.js');
  const cache = new StaleCache({ maxStaleMs: 300_000, maxEntries: 10_000 });
  const values = pageKeys.flat().map((productId, index) => ({ productId, amount: 1000 + index, currency: 'USD' }));
  return {
    run(count) {
      const now = Date.now();
      for (let index = 0; index < count * 40; index++) cache.set(values[index % values.length]!.productId, values[index % values.length]!, now);
      if (cache.get('p-0001')?.value.amount !== 1000) throw new Error('stale cache lost p-0001');
    },
    close() {},
  };
}

async function metricsCase(root: string): Promise<Case> {
  const { BallastMetrics } = await load(root, 'src/observability/metrics.js');
  const metrics = new BallastMetrics({}, { defaultMetrics: false });
  return {
    run(count) {
      for (let index = 0; index < count * 3; index++) metrics.callEnded(index % 3 === 0 ? 'catalog' : index % 3 === 1 ? 'pricing' : 'inventory', 'success', 5 + (index % 7));
    },
    close() {},
  };
}

async function itemsCase(root: string): Promise<Case> {
  const [{ pricing }, { inventory }] = await Promise.all([load(root, 'src/sources/pricing.js'), load(root, 'src/sources/inventory.js')]);
  const bodies = pageKeys.map((_keys, page) => ({ prices: JSON.parse(priceBodies[page]!) as unknown, stocks: JSON.parse(stockBodies[page]!) as unknown }));
  let body: unknown;
  const context = { fetch: (spec: { parse: (response: { status: number; body: unknown }) => unknown }) => Promise.resolve(spec.parse({ status: 200, body })), source: 'pricing', currency: 'USD' };
  return {
    async run(count) {
      for (let index = 0; index < count; index++) {
        const page = index % PAGES;
        body = bodies[page]!.prices;
        const prices = await pricing.operations.price.load(pageKeys[page], context);
        body = bodies[page]!.stocks;
        const stocks = await inventory.operations.inventory.load(pageKeys[page], { ...context, source: 'inventory' });
        if (prices[19]?.amount !== 1000 + 19 * 37 || stocks[19]?.available !== 57) throw new Error(`wrong values: ${String(prices[19])} ${String(stocks[19])}`);
      }
    },
    close() {},
  };
}

async function pipelineCase(root: string): Promise<Case> {
  const [{ ResiliencePipeline }, { Deadline }, { BallastMetrics }, { DEFAULT_SOURCE_POLICY }] = await Promise.all([
    load(root, 'src/resilience/pipeline.js'),
    load(root, 'src/resilience/deadline.js'),
    load(root, 'src/observability/metrics.js'),
    load(root, 'src/resilience/policy.js'),
  ]);
  const answer = { status: 200, body: { items: [] } };
  const client = { limitConnections() {}, request: () => Promise.resolve(answer) };
  const observers: object[] = [];
  const policy = { ...DEFAULT_SOURCE_POLICY, url: 'http://127.0.0.1:1' };
  const pipeline = new ResiliencePipeline('pricing', new URL('http://127.0.0.1:1'), policy, client, observers);
  observers.push(new BallastMetrics({ pricing: pipeline } as never, { defaultMetrics: false }));
  const headers = { 'x-request-id': 'bench' };
  const spec = { method: 'GET', path: '/prices?ids=p-0001', idempotent: true, parse: (response: { body: unknown }) => response.body };
  return {
    async run(count) {
      for (let index = 0; index < count; index++) {
        const unregistered: Array<() => void> = [];
        const scope = { deadline: new Deadline(5_000), headers: () => headers, onFinish: () => () => unregistered.length, ids: { requestId: 'bench' } };
        const results = await Promise.all([pipeline.call(spec, scope), pipeline.call(spec, scope), pipeline.call(spec, scope)]);
        if (results[2] !== answer.body) throw new Error('wrong answer');
      }
    },
    close() {
      pipeline.shutdown();
    },
  };
}

async function scopeCase(root: string): Promise<Case> {
  const [{ RequestLoads }, { Deadline }] = await Promise.all([load(root, 'src/loads/request-loads.js'), load(root, 'src/resilience/deadline.js')]);
  const headers = () => ({});
  const admit = () => undefined;
  return {
    run(count) {
      for (let index = 0; index < count; index++) new RequestLoads({ deadline: new Deadline(5_000), headers, tracer: undefined, admit, ids: { requestId: 'bench' } }).finish();
    },
    close() {},
  };
}

const cases: Record<string, (root: string) => Promise<Case>> = { loads: loadsCase, stale: staleCase, metrics: metricsCase, items: itemsCase, pipeline: pipelineCase, scope: scopeCase };
const make = cases[which];
if (!make) throw new Error(`--case must be one of ${Object.keys(cases).join(', ')}`);
const only = arg('one', '');

if (only) {
  // One checkout in this process: two checkouts' copies of the same code in one process slow
  // whichever runs second (shared builtins see both sets of object shapes), so each gets its own.
  const entry = await make(only);
  await entry.run(Math.ceil(requests / 2)); // warm-up: let V8 optimise before anything is timed
  const before = process.cpuUsage();
  await entry.run(requests);
  const used = process.cpuUsage(before);
  entry.close();
  console.log(JSON.stringify({ perRequest: (used.user + used.system) / requests }));
} else {
  const times: number[][] = roots.map(() => []);
  for (let round = 0; round < rounds; round++) {
    const line: string[] = [];
    for (const [index, root] of roots.entries()) {
      const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), `--one=${root}`, `--case=${which}`, `--requests=${requests}`], { encoding: 'utf8' });
      if (child.status !== 0) throw new Error(`${root}: ${child.stderr}`);
      const { perRequest } = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { perRequest: number };
      times[index]!.push(perRequest);
      line.push(`${root} ${perRequest.toFixed(2)}`);
    }
    console.log(`round ${round}: µs CPU per S1 request (${which}): ${line.join(', ')}`);
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const medians = times.map(median);
  console.log(`median: ${roots.map((root, index) => `${root} ${medians[index]!.toFixed(2)}`).join(', ')}; last / first ${(medians.at(-1)! / medians[0]!).toFixed(3)}`);
  // Contention only adds CPU time (cache misses, a shared core's frequency), so on a busy host
  // the fastest round of each is the steadier figure to compare.
  const fastest = times.map((values) => Math.min(...values));
  console.log(`fastest: ${roots.map((root, index) => `${root} ${fastest[index]!.toFixed(2)}`).join(', ')}; last / first ${(fastest.at(-1)! / fastest[0]!).toFixed(3)}`);
}
