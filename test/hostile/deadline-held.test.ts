import { spawn } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startDemoServices } from '../../src/demo/index.js';
import type { DemoServices } from '../../src/demo/index.js';
import { urlVariableOf } from '../../src/sources/registry.js';
import { startBallastProcess } from '../helpers/process.js';
import type { BallastProcess } from '../helpers/process.js';
import { HEAVY_QUERY, WORK_EVERY_TIME } from './cpu-overload.js';
import type { LoadSummary } from './overload-client.js';
import { answerGuardMs, LateResponses, phaseAt } from '../../src/front-door/late-responses.js';
import type { LateResponse } from '../../src/front-door/late-responses.js';
import { raceDeadline } from '../../src/plugins/use-answer-by-deadline.js';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { measureStolenTime } from '../helpers/stolen-time.js';
import { P1_NAME, P1_QUERY } from './raw-socket.js';

/**
 * "A request never waits past its deadline" (docs/security.md, the deadline rule), read from
 * Ballast's own count (docs/operations.md): a real Ballast process with a 1 s deadline, its
 * upstreams (the demo services) in this process, driven by 160 closed-loop clients in a separate,
 * niced load-generator process so neither the generator nor this runner sits on Ballast's core
 * at Ballast's priority. The clients start over 3 s, as load grows in production; every client
 * keeps sending for 10 s. How many it refuses depends on the CPU the host leaves it: at 64 clients
 * three per answer on a starved host (load 11-14) but one in 20 or fewer on a quiet one, hence 160
 * clients, so that the rule has to act on a quiet host too.
 *
 * The tolerance, and why it is unavoidable: on the shared 2-core host this was written on (load
 * average 11-14), the count was 0 in four runs and 15 and 7 in two others, every late one in the
 * `execution` phase although its query was cut at the deadline: the process was not running (or
 * one task held the loop) when the cut was due. So the test bounds how late: no response overran
 * its deadline by more than the longest loop stall Ballast itself measured during the run.
 * Checked to bite: with `BALLAST__server__deadlineAdmission__enabled=false` the run fails (no
 * `deadline_budget` refusals, 652 refusals for 880 answers; Ballast counted 8 and 42 late 2xx).
 */
const DEADLINE_MS = 1000;
const CLIENTS = 160;
const LOAD_MS = 10_000;
const RAMP_MS = 3000;
const OVERLOADED_BODIES = [
  'the work queued ahead would not finish within the deadline',
  'requests are taking over half their deadline',
  'the event loop is behind',
].map((why) => JSON.stringify({ errors: [{ message: `Ballast is overloaded (${why}); retry later`, extensions: { code: 'OVERLOADED' } }] }));

let upstreams: DemoServices;
let ballast: BallastProcess;

async function post(query: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${ballast.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ query }) });
  return { status: response.status, body: await response.json() };
}

const OVERRUN_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const OVERRUN_PHASES = ['unread', 'queued', 'execution', 'write'];

/** One sample of a /metrics text, by its full name and labels; 0 when absent (a counter never increased). */
function sample(metrics: string, series: string): number {
  const line = metrics.split('\n').find((each) => each.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/** The value of each sample of `name` in Ballast's /metrics, by its label text. */
async function samples(name: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${ballast.url}/metrics`)).text();
  return new Map([...text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'gm'))].map((match) => [match[1] ?? '', Number(match[2])]));
}

/** Runs the load generator niced in its own process and returns its summary. */
function generateLoad(): Promise<LoadSummary> {
  const args = ['-n', '10', process.execPath, '--import', 'tsx', 'test/hostile/overload-client.ts', ballast.url, String(CLIENTS), String(LOAD_MS), String(RAMP_MS)];
  return new Promise((resolve, reject) => {
    const child = spawn('nice', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(output) as LoadSummary) : reject(new Error(`load generator exited with ${code}: ${output}`))));
  });
}

describe('the deadline held under 4x overload, by Ballast\'s own count', () => {
  beforeAll(async () => {
    upstreams = await startDemoServices({ latency: { baseMs: 5, jitterMs: 0 } });
    const urls = Object.fromEntries(Object.entries(upstreams.urls).map(([name, url]) => [urlVariableOf(name), url!]));
    ballast = await startBallastProcess({
      // The deadline rule as shipped (on); the environment passes through, so the bite check below is
      // `BALLAST__server__deadlineAdmission__enabled=false npx vitest run test/hostile/deadline-held.test.ts`.
      env: { BALLAST_WORKERS: '1', BALLAST__deadlineMs: String(DEADLINE_MS), ...WORK_EVERY_TIME, ...urls },
    });
  });

  afterAll(async () => {
    ballast?.kill();
    await upstreams?.close();
  });

  it('finishes no response later than its deadline plus the loop stall Ballast measured, refuses with 503 OVERLOADED + Retry-After: 1 (deadline_budget), and answers a normal query exactly afterwards', { timeout: 60_000 }, async () => {
    // JIT warm-up, and proof that the heavy query is served whole when the process is not overloaded.
    for (let i = 0; i < 10; i++) expect((await post(HEAVY_QUERY)).status).toBe(200);
    // This scrape resets Node's loop-lag gauges, so the one below covers the run only, not start-up.
    await (await fetch(`${ballast.url}/metrics`)).text();
    const load = await generateLoad();
    // One scrape for all: Node's loop-lag gauges cover the time since the previous scrape.
    const metrics = await (await fetch(`${ballast.url}/metrics`)).text();
    const late2xx = sample(metrics, 'ballast_responses_past_deadline_total{status_class="2xx"}');
    const worstStallSeconds = sample(metrics, 'ballast_nodejs_eventloop_lag_max_seconds');
    const bound = OVERRUN_BUCKETS.find((le) => le >= worstStallSeconds) ?? Number.POSITIVE_INFINITY;
    const lateWithinStall = OVERRUN_PHASES.reduce((sum, phase) => sum + sample(metrics, `ballast_response_deadline_overrun_seconds_bucket{le="${bound}",phase="${phase}"}`), 0);
    const lateInAll = OVERRUN_PHASES.reduce((sum, phase) => sum + sample(metrics, `ballast_response_deadline_overrun_seconds_count{phase="${phase}"}`), 0);
    console.info(`deadline-held: ${late2xx} late 2xx, ${lateInAll} late in all, worst loop stall ${Math.round(worstStallSeconds * 1000)} ms, cut ${sample(metrics, 'ballast_queries_cut_at_deadline_total')}, 2xx ${load.byStatus['200']}, 503 ${load.byStatus['503']}`);

    // The promise, first. No late response overran its deadline by more than the longest stall of
    // the loop Ballast itself measured (rounded up to the next bucket of the overrun histogram):
    // while the process is not running (descheduled on a busy host) or one task holds the loop,
    // neither the answering timer nor the request's own callbacks can run (see the header).
    expect({ lateBeyondStall: lateInAll - lateWithinStall, bound }).toEqual({ lateBeyondStall: 0, bound });
    const shed = await samples('ballast_requests_shed_total');
    console.info(`deadline-held: shed by reason ${JSON.stringify(Object.fromEntries(shed))}`);

    expect(Object.keys(load.byStatus).sort()).toEqual(['200', '503']);
    const refused = load.byStatus['503']!;
    expect(load.servedWithData).toBeGreaterThan(0);
    // How many are refused depends on how much CPU the host leaves Ballast (at 64 clients 3 per 2xx on a
    // starved host, 1 per 20 on a quiet one): only that some are, and why, is the rule's doing.
    expect(refused).toBeGreaterThan(0);
    expect(load.retryAfter).toEqual(['1']);
    for (const body of load.refusalBodies) expect(OVERLOADED_BODIES).toContain(body);
    expect(shed.get('{reason="deadline_budget"}')).toBeGreaterThan(0);

    await expect.poll(async () => (await post(P1_QUERY)).status, { timeout: 10_000 }).toBe(200);
    expect((await post(P1_QUERY)).body).toEqual({ data: { product: { id: 'p-0001', name: P1_NAME } } });
  });
});

describe('answering a query at its deadline', () => {
  const never = () => new Promise<never>(() => undefined);
  const cutAnswer = { data: null, errors: [expect.objectContaining({ message: 'the request deadline passed before the query finished', extensions: { code: 'DEADLINE_EXCEEDED' } })] };

  it('answers at the cut time with DEADLINE_EXCEEDED when execution is still running, and counts it once', async () => {
    let cuts = 0;
    let check!: () => void;
    const started = performance.now();
    const answer = await raceDeadline(never, () => started + 30, () => cuts++, (watch) => (check = watch));
    expect(answer).toEqual(cutAnswer);
    expect(performance.now() - started).toBeGreaterThanOrEqual(29);
    check();
    expect(cuts).toBe(1);
  });

  it('cuts from the request\'s own callback once the cut time passed, without waiting for the timer', async () => {
    let cuts = 0;
    let check!: () => void;
    let cutAt = performance.now() + 60_000;
    const racing = raceDeadline(never, () => cutAt, () => cuts++, (watch) => (check = watch));
    check();
    expect(cuts).toBe(0);
    cutAt = performance.now() - 1;
    check();
    expect(await racing).toEqual(cutAnswer);
    expect(cuts).toBe(1);
  });

  it('does not cut while the loop has CPU to spare; cuts once it is saturated', async () => {
    let cuts = 0;
    let saturated = false;
    let check!: () => void;
    const cutAt = performance.now() + 20;
    const racing = raceDeadline(never, () => cutAt, () => cuts++, (watch) => (check = watch), () => saturated);
    // Past the cut time, from the timer and from the request's own callback: nothing is cut.
    await expect.poll(() => performance.now() >= cutAt + 30).toBe(true);
    check();
    expect(cuts).toBe(0);
    saturated = true;
    expect(await racing).toEqual(cutAnswer);
    expect(cuts).toBe(1);
  });

  it('with CPU to spare lets execution finish after the cut time and answers its result', async () => {
    let cuts = 0;
    const result = { data: { late: true } };
    const started = performance.now();
    const late = () => new Promise<typeof result>((resolve) => setTimeout(() => resolve(result), 60));
    expect(await raceDeadline(late, () => started + 10, () => cuts++, () => undefined, () => false)).toBe(result);
    expect(cuts).toBe(0);
  });

  it('passes the execution result through when it comes first, and never cuts afterwards', async () => {
    let cuts = 0;
    let check!: () => void;
    const result = { data: { ok: true } };
    // One cut time, fixed: the check after it must find it passed and still not cut a settled request.
    const cutAt = performance.now() + 30;
    expect(await raceDeadline(() => Promise.resolve(result), () => cutAt, () => cuts++, (watch) => (check = watch))).toBe(result);
    await expect.poll(() => performance.now() > cutAt + 5, { interval: 10 }).toBe(true);
    check();
    expect(cuts).toBe(0);
  });

  it('executes when the cut time already passed but the loop has CPU to spare', async () => {
    let executed = 0;
    let cuts = 0;
    const result = { data: { ran: true } };
    expect(await raceDeadline(() => ((executed += 1), result), () => performance.now() - 1, () => cuts++, () => undefined, () => false)).toBe(result);
    expect({ executed, cuts }).toEqual({ executed: 1, cuts: 0 });
  });

  it('does not execute at all when the cut time already passed', async () => {
    let executed = 0;
    expect(await raceDeadline(() => ((executed += 1), { data: {} }), () => performance.now() - 1, () => undefined)).toEqual(cutAnswer);
    expect(executed).toBe(0);
  });

  it('sends the answer ahead by the loop\'s recent worst drift, within a twentieth (at most 50 ms) and a quarter of the budget', () => {
    expect(answerGuardMs(2000, 0)).toBe(50);
    expect(answerGuardMs(400, 0)).toBe(20);
    expect(answerGuardMs(2000, 180)).toBe(180);
    expect(answerGuardMs(2000, 900)).toBe(500);
  });

  describe('through a real Ballast (deadline rule on, as shipped)', () => {
    let harness: Harness;
    // As shipped, except that the loop never counts as saturated (minUtilisation 1): "with CPU to spare"
    // is these tests' premise, and on a loaded runner this process's busy loop (shared with the test)
    // once counted as saturated, so the query was cut at its deadline (data: null).
    beforeAll(async () => (harness = await startHarness({ server: { deadlineAdmission: { minUtilisation: 1 } } })));
    afterAll(() => harness.close());
    afterEach(() => harness.reset());

    async function cutCount(): Promise<number> {
      const text = await (await fetch(`${harness.url}/metrics`)).text();
      return Number(/^ballast_queries_cut_at_deadline_total (\d+)$/m.exec(text)![1]);
    }

    it.each(['application/json', 'application/graphql-response+json'])('with CPU to spare, a query whose deadline passed before execution is not cut: its field degrades with DEADLINE_EXCEEDED, 200 under %s, without calling any upstream', async (accept) => {
      const before = await cutCount();
      const answer = await harness.query(P1_QUERY, undefined, { accept, 'x-ballast-deadline-ms': '1' });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        data: { product: null },
        errors: [{ message: 'catalog is unavailable (DEADLINE_EXCEEDED)', locations: [{ line: 1, column: 3 }], path: ['product'], extensions: { code: 'DEADLINE_EXCEEDED', source: 'catalog' } }],
        extensions: { degraded: [{ source: 'catalog', reason: 'DEADLINE_EXCEEDED', fallback: 'NULL', paths: [['product']] }] },
      });
      expect(harness.service('catalog').requestCount).toBe(0);
      expect(await cutCount()).toBe(before);
    });

    it('with CPU to spare, upstream waits keep the whole budget: no answer guard is held back from them', async () => {
      // On a saturated loop twice the answer guard (at least 2 x 50 ms with the 2 s deadline) would be
      // kept out of upstream waits, telling the catalog 700 ms at most; here it gets nearly all 800
      // (below the catalog's own 1 s timeout, which would otherwise be what it is told).
      const stolen = measureStolenTime();
      const answer = await harness.query(P1_QUERY, undefined, { 'x-ballast-deadline-ms': '800' });
      expect(answer.body).toEqual({ data: { product: { id: 'p-0001', name: P1_NAME } } });
      const told = Number(harness.service('catalog').requests[0]!.headers['x-ballast-deadline-ms']);
      // Less only the time a loaded runner kept this process off the CPU before the call (702 once beside other test runs).
      expect(told).toBeGreaterThan(750 - stolen.ms());
      expect(told).toBeLessThanOrEqual(800);
    });

    it('still degrades only the field of an upstream slower than the deadline (partial data, no cut)', async () => {
      const before = await cutCount();
      harness.service('pricing').setFault({ latencyMs: 3000 });
      const answer = await harness.query('{ product(id: "p-0001") { id name price { amount } } }', undefined, { 'x-ballast-deadline-ms': '400' });
      expect(answer.status).toBe(200);
      expect(answer.body.data).toEqual({ product: { id: 'p-0001', name: P1_NAME, price: null } });
      expect(answer.body.extensions?.degraded).toEqual([expect.objectContaining({ source: 'pricing', reason: 'DEADLINE_EXCEEDED', paths: [['product', 'price']] })]);
      expect(await cutCount()).toBe(before);
    });
  });
});

describe('counting responses finished past their deadline', () => {
  it('reports a response written after its budget once, with its status, budget and the phase its deadline passed in', async () => {
    const late: LateResponse[] = [];
    const watch = new LateResponses(1000, (response) => late.push(response));
    const server = createServer((request, response) => {
      watch.watch(request, response, performance.now(), 0);
      // The client's own 40 ms budget passes before execution starts: phase "queued".
      setTimeout(() => response.writeHead(request.url === '/slow' ? 200 : 404).end('x'), request.url === '/slow' ? 120 : 0);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await (await fetch(`${base}/fast`, { headers: { 'x-ballast-deadline-ms': '40' } })).text();
      expect(late).toEqual([]);
      await (await fetch(`${base}/slow`, { headers: { 'x-ballast-deadline-ms': '40' } })).text();
      expect(late).toHaveLength(1);
      expect(late[0]).toMatchObject({ status: 200, budgetMs: 40, phase: 'queued', unreadMs: 0 });
      expect(late[0]!.overrunMs).toBeGreaterThanOrEqual(79);
      expect(late[0]!.overrunMs).toBeLessThan(2000);
    } finally {
      server.close();
    }
  });

  it('names the phase the deadline fell in', () => {
    const times = { startedAt: 0, admittedAt: 100, budgetMs: 1000, executionStartedAt: 200, executionEndedAt: 900 };
    expect(phaseAt(times, 50)).toBe('unread');
    expect(phaseAt(times, 150)).toBe('queued');
    expect(phaseAt(times, 500)).toBe('execution');
    expect(phaseAt(times, 950)).toBe('write');
    expect(phaseAt({ startedAt: 0, admittedAt: 100, budgetMs: 1000, executionStartedAt: 200 }, 950)).toBe('execution');
  });
});
