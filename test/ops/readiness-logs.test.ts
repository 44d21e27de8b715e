import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { evaluateTargets, failedCorrectness, renderMarkdown } from '../../bench/harness/report.js';
import type { OpenLoopRow, Row } from '../../bench/harness/report.js';
import { DEFAULT_QUERY } from '../../src/graphiql.js';
import { SOURCES } from '../../src/sources/registry.js';
import { ALL_SOURCE_NAMES } from '../../src/declared/names.js';
import { startDemoServices } from '../../src/demo/index.js';
import type { DemoServices } from '../../src/demo/index.js';
import { postQuery, startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { startBallastProcess } from '../helpers/process.js';
import type { BallastProcess } from '../helpers/process.js';

let harness: Harness | undefined;
let demo: DemoServices | undefined;
let ballast: BallastProcess | undefined;
afterEach(async () => {
  ballast?.kill();
  ballast = undefined;
  await harness?.close();
  harness = undefined;
  await demo?.close();
  demo = undefined;
});

const QUERY = `query Shelf { product(id: "p-0003") { name inventory { status } } }`;
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('readiness is about this process, health about its sources', () => {
  it('stays ready while the critical catalog breaker is open; /health shows it open', async () => {
    harness = await startHarness({ sources: { catalog: { maxStaleMs: 0, retry: { maxAttempts: 1 }, breaker: { volumeThreshold: 2, resetTimeoutMs: 60_000 } } } });
    harness.service('catalog').setFault({ errorRate: 1 });
    for (let i = 0; i < 4; i++) await harness.query(QUERY);

    await expect.poll(async () => ((await getJson(`${harness!.url}/health`)).body.sources as Record<string, { state: string }>).catalog?.state).toBe('OPEN');
    const health = await getJson(`${harness.url}/health`);
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'degraded', pid: process.pid, criticalOpen: ['catalog'] });
    expect((health.body.sources as Record<string, unknown>).catalog).toEqual({ state: 'OPEN', critical: true, url: harness.demo.urls.catalog });
    expect((health.body.sources as Record<string, unknown>).inventory).toEqual({ state: 'CLOSED', critical: false, url: harness.demo.urls.inventory });

    const ready = await getJson(`${harness.url}/ready`);
    expect(ready).toEqual({ status: 200, body: { ready: true, reasons: [], pid: process.pid } });
  });

  it('is not ready while draining, and says why', async () => {
    harness = await startHarness();
    expect((await getJson(`${harness.url}/health`)).body).toMatchObject({ status: 'ok', criticalOpen: [] });
    const closing = harness.gateway.close({ drainDelayMs: 500 });
    const draining = await getJson(`${harness.url}/ready`);
    expect(draining).toEqual({ status: 503, body: { ready: false, reasons: ['draining'], pid: process.pid } });
    await closing;
    await harness.demo.close();
    harness = undefined;
  });
});

/** Real upstreams for a production Ballast (which refuses to invent data), `user:s3cret@` in the catalog's URL. */
async function productionEnv(): Promise<Record<string, string>> {
  demo = await startDemoServices();
  // The inventory breaker opens on the first failed call: its log line is written inside a request.
  const env: Record<string, string> = { BALLAST_MODE: 'production', BALLAST_LOG_LEVEL: 'info', BALLAST__sources__inventory__breaker__volumeThreshold: '1' };
  for (const source of SOURCES) env[source.urlVariable] = demo.urls[source.name]!;
  // The shipping source is declared in the SDL (schema/shipping.graphql), not in SOURCES.
  env.SHIPPING_URL = demo.urls.shipping!;
  env.CATALOG_URL = demo.urls.catalog!.replace('http://', 'http://user:s3cret@');
  return env;
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

type Line = Record<string, unknown>;

/** Generous: tsx compiles the sources at start, on a machine other test runs share. */
const START_TIMEOUT_MS = 90_000;

/** Every stdout line, parsed; a line that is not JSON fails here, naming it. */
function parsedLines(lines: string[]): Line[] {
  return lines.map((line) => {
    try {
      return JSON.parse(line) as Line;
    } catch {
      throw new Error(`not a JSON line: ${line}`);
    }
  });
}

/** A normal request, then a degraded one (inventory failing), each with its own request id. */
async function normalAndDegraded(url: string, prefix: string): Promise<void> {
  const ok = await postQuery(url, QUERY, undefined, { 'x-request-id': `${prefix}-ok`, traceparent: TRACEPARENT });
  expect(ok.body.errors).toBeUndefined();
  demo!.service('inventory').setFault({ errorRate: 1 });
  const degraded = await postQuery(url, `query Degraded { product(id: "p-0004") { name inventory { status } } }`, undefined, { 'x-request-id': `${prefix}-degraded` });
  expect(degraded.body.extensions?.degraded?.[0]).toMatchObject({ source: 'inventory' });
}

describe('production logs are JSON lines, each with its pid', () => {
  it('one process: banner, requests (with request and trace ids), SIGTERM', { timeout: 3 * START_TIMEOUT_MS }, async () => {
    ballast = await startBallastProcess({ args: ['--workers', '1'], env: await productionEnv(), timeoutMs: START_TIMEOUT_MS });
    await normalAndDegraded(ballast.url, 'single');
    const pid = ballast.process.pid!;
    const exit = exited(ballast.process);
    process.kill(pid, 'SIGTERM');
    expect(await exit).toBe(0);

    const lines = parsedLines(ballast.banner);
    for (const line of lines) expect(line.pid, JSON.stringify(line)).toBe(pid);
    const banner = lines.find((line) => String(line.msg).startsWith('Ballast listening on'))!;
    expect(banner).toMatchObject({ mode: 'production', workers: 1, url: ballast.url });
    expect((banner.sources as Record<string, { url: string }>).catalog?.url).toBe(demo!.urls.catalog!.replace('http://', 'http://user:***@'));
    expect(ballast.banner.join('\n')).not.toContain('s3cret');
    const requests = lines.filter((line) => line.msg === 'graphql request');
    expect(requests.map((line) => [line.requestId, line.result, line.traceId])).toEqual([
      ['single-ok', 'ok', '4bf92f3577b34da6a3ce929d0e0e4736'],
      ['single-degraded', 'partial', undefined],
    ]);
    expect(lines.find((line) => line.msg === 'fields degraded')).toMatchObject({ source: 'inventory', requestId: 'single-degraded', level: 40 });
    expect(lines.find((line) => line.msg === 'breaker transition')).toMatchObject({ source: 'inventory', state: 'OPEN', requestId: 'single-degraded' });
    // Not necessarily the last line: on a busy host the breaker's half-open timer may log while the process drains.
    expect(lines.find((line) => line.signal === 'SIGTERM')).toMatchObject({ signal: 'SIGTERM', msg: 'SIGTERM: finishing in-flight requests, then stopping' });
  });

  it('--workers 2: worker lines carry pid and worker id; a worker death and SIGTERM are JSON too', { timeout: 3 * START_TIMEOUT_MS }, async () => {
    ballast = await startBallastProcess({ args: ['--workers', '2'], env: await productionEnv(), timeoutMs: START_TIMEOUT_MS });
    await normalAndDegraded(ballast.url, 'fleet');
    // Both request lines are out before a worker is killed: SIGKILL may take a worker's unwritten log with it.
    await expect.poll(() => parsedLines(ballast!.banner).filter((line) => line.msg === 'graphql request').length, { timeout: 10_000 }).toBe(2);
    const primaryPid = ballast.process.pid!;
    const workerPid = ((await getJson(`${ballast.url}/health`)).body.pid as number);
    process.kill(workerPid, 'SIGKILL');
    await expect.poll(() => ballast!.banner.some((line) => line.includes('died')), { timeout: 10_000 }).toBe(true);
    const exit = exited(ballast.process);
    process.kill(primaryPid, 'SIGTERM');
    expect(await exit).toBe(0);

    const lines = parsedLines(ballast.banner);
    for (const line of lines) expect(line.pid, JSON.stringify(line)).toEqual(expect.any(Number));
    const requests = lines.filter((line) => line.msg === 'graphql request');
    expect(requests.map((line) => line.requestId)).toEqual(['fleet-ok', 'fleet-degraded']);
    for (const line of requests) {
      expect(line.pid).not.toBe(primaryPid);
      expect(line.worker).toEqual(expect.any(Number));
    }
    expect(lines.find((line) => String(line.msg).includes('died'))).toMatchObject({ pid: primaryPid, workerPid, signal: 'SIGKILL', level: 50 });
    expect(lines.find((line) => line.signal === 'SIGTERM')).toMatchObject({ pid: primaryPid, msg: expect.stringMatching(/^SIGTERM: draining \d workers, then stopping$/) });
    expect(ballast.banner.join('\n')).not.toContain('s3cret');
  });
});

describe('dashboard routes and GraphiQL papercuts', () => {
  it('routes a source name with digits to the fault control (a JSON 404 naming it, not the router 404)', async () => {
    harness = await startHarness();
    const response = await fetch(`${harness.url}/dashboard/faults/geo2`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"hang":true}' });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'no demo service named geo2' });
    // The server keeps serving.
    expect((await harness.query(QUERY)).body.errors).toBeUndefined();
  });

  it("GraphiQL's default query counts the services there are", () => {
    const words = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
    expect(DEFAULT_QUERY.split('\n')[0]).toBe(`# Ballast: one query, ${words[ALL_SOURCE_NAMES.length]} REST services behind it.`);
  });
});

describe('bench verdicts', () => {
  const row = (server: string, scenario: string, calls: number): Row => ({
    server, serverTitle: server, scenario, requestsPerSecond: 100, p50Ms: 1, p99Ms: 2, non2xx: 0, errors: 0, upstreamCallsPerQuery: calls, cpuMicrosPerRequest: 1, peakRssMiB: 1, loadCoreBusyPct: 50, degraded: 0, wrong: 0, reported: 0, requests: 500,
  });

  it('a quick run fails on correctness only; speed targets it did not measure show SKIP', () => {
    const quickRows = [row('B1', 'S1', 0), row('B2', 'S1', 41), row('B3', 'S1', 3), row('B4', 'S1', 3), row('B5', 'S1', 0), row('B4', 'S3', 3)];
    const targets = evaluateTargets(quickRows);
    expect(failedCorrectness(targets)).toEqual([]);
    const markdown = renderMarkdown(quickRows, targets, {});
    expect(markdown).toContain('| SKIP | B4 / B5 (tuned Apollo) throughput on S2 >= 2.5 | n/a |');
    expect(markdown).toContain('| SKIP | B4 S4 p99 <= 230 ms | n/a |');
    expect(markdown).toContain('| PASS | B4 upstream calls per S1 query = 3 | 3.00 |');

    const broken = quickRows.map((entry) => (entry.server === 'B4' && entry.scenario === 'S1' ? { ...entry, upstreamCallsPerQuery: 4, non2xx: 2 } : entry));
    expect(failedCorrectness(evaluateTargets(broken)).map((target) => target.name)).toEqual(['B4 upstream calls per S1 query = 3', 'zero bad answers in S1 and S2, every server but B2', 'zero bad answers, non-2xx and errors in every Ballast scenario but B2']);
  });

  it('a throughput or open-loop target whose rows saturated the load core is LOAD-BOUND: neither PASS nor FAIL, the core named', () => {
    const fast = { ...row('B4', 'S1', 3), requestsPerSecond: 1000 };
    const anchor = { ...row('B6', 'S1', 3), requestsPerSecond: 1000, loadCoreBusyPct: 99 };
    const targets = evaluateTargets([fast, anchor]);
    const b6 = targets.find((target) => target.name === 'B4 / B6 (leanest BFF) throughput on S1 >= 0.9')!;
    expect(b6).toMatchObject({ pass: false, loadBound: true, value: '1.00 (B6 S1 load core 99%)' });
    expect(renderMarkdown([fast, anchor], targets, {})).toContain('| LOAD-BOUND | B4 / B6 (leanest BFF) throughput on S1 >= 0.9 | 1.00 (B6 S1 load core 99%) |');
    // Just below the bound the ratio is judged as usual.
    const judged = evaluateTargets([fast, { ...anchor, loadCoreBusyPct: 89.9 }]).find((target) => target.name === b6.name)!;
    expect([judged.pass, judged.loadBound, judged.value]).toEqual([true, undefined, '1.00']);
    // A saturated row only understates its server: a verdict it could not flip stands.
    const slowerStill = evaluateTargets([{ ...fast, requestsPerSecond: 500 }, anchor]).find((target) => target.name === b6.name)!;
    expect([slowerStill.pass, slowerStill.loadBound, slowerStill.value]).toEqual([false, undefined, '0.50']);
    const passedAnyway = evaluateTargets([{ ...fast, loadCoreBusyPct: 95 }, { ...anchor, loadCoreBusyPct: 50 }]).find((target) => target.name === b6.name)!;
    expect([passedAnyway.pass, passedAnyway.loadBound]).toEqual([true, undefined]);
    const heldBack = evaluateTargets([{ ...fast, requestsPerSecond: 800, loadCoreBusyPct: 95 }, { ...anchor, loadCoreBusyPct: 50 }]).find((target) => target.name === b6.name)!;
    expect(heldBack).toMatchObject({ pass: false, loadBound: true, value: '0.80 (B4 S1 load core 95%)' });

    const open = (server: string, p99Ms: number, loadCoreBusyPct: number): OpenLoopRow => ({ server, share: 0.8, rate: 800, goodput: 800, p50Ms: 10, p99Ms, p999Ms: p99Ms, bad: 0, refused: 0, timeouts: 0, reported: 0, requests: 4000, loadCoreBusyPct, listenOverflows: 0 });
    const openTarget = (b4Core: number) => evaluateTargets([fast], [open('B4', 50, b4Core), open('B5', 40, 30)]).find((target) => target.name.startsWith('open loop'))!;
    expect(openTarget(93)).toMatchObject({ pass: false, loadBound: true, value: '50 vs 40 ms (B4 load core 93%)' });
    expect(openTarget(60)).toMatchObject({ pass: false, value: '50 vs 40 ms' });
    expect(openTarget(60).loadBound).toBeUndefined();
    // Apollo's point saturated and Ballast's still slower: the fail stands.
    const apolloSaturated = evaluateTargets([fast], [open('B4', 50, 60), open('B5', 40, 95)]).find((target) => target.name.startsWith('open loop'))!;
    expect([apolloSaturated.pass, apolloSaturated.loadBound]).toEqual([false, undefined]);
  });

  it('B2 (one call per key) may degrade under load when it says so, but never show a wrong value or a non-2xx', () => {
    const degradedSaidSo = { ...row('B2', 'S1', 41), wrong: 400, reported: 400 };
    const passing = evaluateTargets([degradedSaidSo, row('B4', 'S1', 3)]);
    expect(failedCorrectness(passing)).toEqual([]);
    expect(passing.find((target) => target.name.startsWith('B2: no wrong answer'))).toMatchObject({ pass: true, value: '0' });
    const oneWrong = evaluateTargets([{ ...degradedSaidSo, reported: 399 }, row('B4', 'S1', 3)]);
    expect(failedCorrectness(oneWrong).map((target) => [target.name, target.value])).toEqual([['B2: no wrong answer and no non-2xx on catalog pages (every bad answer degraded and said so)', 'B2/S1 1 wrong, 0 non-2xx']]);
    const refused = evaluateTargets([{ ...degradedSaidSo, non2xx: 1 }, row('B4', 'S1', 3)]);
    expect(failedCorrectness(refused).map((target) => target.value)).toEqual(['B2/S1 0 wrong, 1 non-2xx']);
    // S2's carts have no "said so" check: their degraded answers are bad, shown, and not this check's.
    expect(failedCorrectness(evaluateTargets([degradedSaidSo, { ...row('B2', 'S2', 21), wrong: 50 }, row('B4', 'S1', 3)]))).toEqual([]);
  });

  it('checks the declared-pricing server (B4d) calls when it ran: 3 per S1 query passes, 4 fails', () => {
    const rows = [row('B2', 'S1', 41), row('B4', 'S1', 3)];
    expect(evaluateTargets(rows).map((target) => target.name)).not.toContain('B4d upstream calls per S1 query = 3');
    // Likewise B2 (a run filtered with --servers): absent, not failed; run, it is checked.
    expect(evaluateTargets([row('B4', 'S1', 3)]).map((target) => target.name)).not.toContain('B2 upstream calls per S1 query = 41');
    expect(failedCorrectness(evaluateTargets([row('B2', 'S1', 40), row('B4', 'S1', 3)])).map((target) => target.name)).toEqual(['B2 upstream calls per S1 query = 41']);
    expect(failedCorrectness(evaluateTargets([...rows, row('B4d', 'S1', 3)]))).toEqual([]);
    expect(failedCorrectness(evaluateTargets([...rows, row('B4d', 'S1', 4)])).map((target) => target.name)).toEqual(['B4d upstream calls per S1 query = 3']);
  });
});
