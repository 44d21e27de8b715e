import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServices } from '../../src/demo/index.js';
import type { DemoServices } from '../../src/demo/index.js';
import { urlVariableOf } from '../../src/sources/registry.js';
import { startBallastProcess } from '../helpers/process.js';
import type { BallastProcess } from '../helpers/process.js';
import { defaultConfig } from '../../src/config-defaults.js';
import { resolveConfig } from '../../src/config.js';
import { ALL_SOURCE_NAMES } from '../../src/declared/names.js';
import { createLogger } from '../../src/observability/logger.js';
import { ReloadableGateway } from '../../src/reload.js';
import { createGateway } from '../../src/server.js';
import { BUDGET_WINDOW_MS, DeadlineBudget, MIN_SAMPLES, PROBE_MS, STEP_FACTOR, STEP_SPAN_MS } from '../../src/front-door/deadline-budget.js';
import type { ColdStepSummary } from './cold-step-client.js';
import { WORK_EVERY_TIME } from './cpu-overload.js';
import { P1_NAME, P1_QUERY } from './raw-socket.js';

/**
 * A cold step on a fresh process (docs/security.md, "A cold step"): a real Ballast process with a
 * 1 s deadline that has served nothing at all (no warm-up query, so it has measured no CPU cost
 * per request and its code is not yet optimised) gets 160 requests of the heavy query in one
 * instant from a separate, niced generator (test/hostile/cold-step-client.ts), each client sending
 * again as soon as it is answered, for 2 s. Before the rule had a prior cost, such a process knew
 * no capacity and admitted the whole first wave, to be cut at the deadline (DEADLINE_EXCEEDED).
 */
const DEADLINE_MS = 1000;
/** The shipped cold cost: the process under test runs with the defaults. */
/**
 * The cold cost this test turns on (`server.deadlineAdmission.coldCostMs`, off by default: see
 * docs/security.md § "A cold step" for why).
 */
const COLD_COST_MS = 25;
const CLIENTS = 160;
const LOAD_MS = 2000;
const SLICE_MS = 250;
/**
 * What the first wave may lose to cuts: those admitted before the cold cost says the queue is a
 * step (2 x the 250 ms target / 25 ms = 20), cold requests that then ran slower than assumed; not
 * the wave. Measured in three runs (load average 6-9 on 2 cores): 3-19 cut, 0-16 served, 139-141
 * refused; without a cold cost (`coldCostMs: 0`, the rule before) 106-114 cut and 23 refused.
 * Run after other test files on a quiet host the cut count varied 0-38 (a fresh process compiles
 * as it serves, and a descheduled process reads as having CPU to spare: docs/security.md § "The
 * tolerance"), and 60 once with another vitest run beside it; the bound is 40% of the wave, still
 * far below the 106-114 of the rule without a cold cost.
 */
const FIRST_WAVE_CUT_BOUND = 64;
const OVERRUN_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

let upstreams: DemoServices;
let ballast: BallastProcess;

async function post(query: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${ballast.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ query }) });
  return { status: response.status, body: await response.json() };
}

function sumOf(text: string, series: string): number {
  return [...text.matchAll(new RegExp(`^${series} (\\S+)$`, 'gm'))].reduce((sum, match) => sum + Number(match[1]), 0);
}

/** Ballast's own counts after the run: refusals by reason, responses past their deadline (in all and within each overrun bucket), cuts, the worst loop stall. */
async function scrape(): Promise<{ shed: Record<string, number>; late: number; lateWithin: Map<number, number>; cut: number; worstStallMs: number; completed: number }> {
  const text = await (await fetch(`${ballast.url}/metrics`)).text();
  return {
    shed: Object.fromEntries([...text.matchAll(/^ballast_requests_shed_total\{reason="(\w+)"\} (\S+)$/gm)].map((match) => [match[1]!, Number(match[2])])),
    late: sumOf(text, 'ballast_responses_past_deadline_total\\{[^}]*\\}'),
    lateWithin: new Map(OVERRUN_BUCKETS.map((le) => [le, sumOf(text, `ballast_response_deadline_overrun_seconds_bucket\\{le="${le}",[^}]*\\}`)])),
    cut: sumOf(text, 'ballast_queries_cut_at_deadline_total'),
    worstStallMs: Math.round(sumOf(text, 'ballast_nodejs_eventloop_lag_max_seconds') * 1000),
    completed: sumOf(text, 'ballast_graphql_request_duration_seconds_count\\{[^}]*\\}'),
  };
}

/** Runs the niced generator (its first wave is every client's first request, sent in one instant). */
function coldStep(): Promise<ColdStepSummary> {
  const args = ['-n', '10', process.execPath, '--import', 'tsx', 'test/hostile/cold-step-client.ts', ballast.url, String(CLIENTS), String(LOAD_MS), String(SLICE_MS)];
  return new Promise((resolve, reject) => {
    const child = spawn('nice', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let last = '';
    createInterface({ input: child.stdout }).on('line', (line) => (last = line));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(last) as ColdStepSummary) : reject(new Error(`cold-step generator exited with ${code}: ${last}`))));
  });
}

describe('a cold step on a fresh process: nothing served yet, then 160 requests in one instant', () => {
  beforeAll(async () => {
    upstreams = await startDemoServices({ latency: { baseMs: 5, jitterMs: 0 } });
    const urls = Object.fromEntries(Object.entries(upstreams.urls).map(([name, url]) => [urlVariableOf(name), url!]));
    ballast = await startBallastProcess({ env: { BALLAST_WORKERS: '1', BALLAST__deadlineMs: String(DEADLINE_MS), BALLAST__server__deadlineAdmission__coldCostMs: String(COLD_COST_MS), ...WORK_EVERY_TIME, ...urls } });
  });

  afterAll(async () => {
    ballast?.kill();
    await upstreams?.close();
  });

  it('refuses most of the first wave at admission (503 + Retry-After) instead of admitting it whole and cutting it at the deadline', { timeout: 60_000 }, async () => {
    const before = await scrape();
    expect(before.completed).toBe(0);
    const summary = await coldStep();
    const after = await scrape();
    summary.slices.forEach((slice, index) => console.info(`cold-start-step ${index * SLICE_MS}-${(index + 1) * SLICE_MS} ms: 2xx ${slice.served} (degraded ${slice.degraded}), cut ${slice.cut}, 503 ${slice.refused}${slice.other.length ? `, other ${JSON.stringify(slice.other.slice(0, 2))}` : ''}`));
    console.info(`cold-start-step: first wave ${JSON.stringify(summary.firstWave)}, first refusal at ${summary.firstRefusalMs} ms; in all: shed ${JSON.stringify(after.shed)}, cut ${after.cut}, late ${after.late}, worst loop stall ${after.worstStallMs} ms, overruns by bucket ${JSON.stringify([...after.lateWithin])}`);

    // Before the prior, 0 of the first wave were refused and most were cut at the deadline.
    expect(summary.firstWave.cut).toBeLessThanOrEqual(FIRST_WAVE_CUT_BOUND);
    expect(summary.firstWave.served + summary.firstWave.degraded + summary.firstWave.refused).toBeGreaterThanOrEqual(CLIENTS - FIRST_WAVE_CUT_BOUND);
    expect(summary.firstWave.refused).toBeGreaterThan(0);
    expect(after.shed.deadline_budget).toBeGreaterThan(0);
    expect(summary.retryAfter).toEqual(['1']);
    expect(summary.slices.flatMap((slice) => slice.other)).toEqual([]);
    // Served ones within the deadline: nothing finished past it by more than the longest loop stall
    // Ballast measured (the tolerance, docs/security.md), rounded up to the overrun histogram's next bucket.
    const bound = OVERRUN_BUCKETS.find((le) => le >= after.worstStallMs / 1000) ?? Number.POSITIVE_INFINITY;
    const lateBeyondStall = bound === Number.POSITIVE_INFINITY ? 0 : after.late - after.lateWithin.get(bound)!;
    expect({ lateBeyondStall, bound }).toEqual({ lateBeyondStall: 0, bound });

    await expect.poll(async () => (await post(P1_QUERY)).status, { timeout: 10_000 }).toBe(200);
    expect((await post(P1_QUERY)).body).toEqual({ data: { product: { id: 'p-0001', name: P1_NAME } } });
  });
});

describe('the deadline rule on a fresh process, injected clock, utilisation and CPU time', () => {
  const TARGET_MS = 250;
  const MIN_UTILISATION = 0.9;

  /** A rule that has completed nothing, with the shipped cold cost, on a clock and loop the test sets. */
  function freshRule(busy: number): { rule: DeadlineBudget; at(ms: number): void; setUtilisation(value: number): void; useCpu(ms: number): void } {
    let now = 0;
    let utilisation = busy;
    let cpuMs = 0;
    const rule = new DeadlineBudget(TARGET_MS, MIN_UTILISATION, () => now, () => utilisation, () => cpuMs, COLD_COST_MS);
    return { rule, at: (ms) => (now = ms), setUtilisation: (value) => (utilisation = value), useCpu: (ms) => (cpuMs += ms) };
  }

  it('ships with no cold cost (opt-in): a fresh in-process gateway admitted a second wave behind a slow first one only without it', () => {
    expect(defaultConfig().server.deadlineAdmission.coldCostMs).toBe(0);
  });

  it('assumes the cold cost before any completion: 40 requests a second', () => {
    const { rule } = freshRule(0.01);
    expect(rule.capacityPerSecond).toBe(40);
    expect(rule.saturated).toBe(false);
  });

  it('never sheds or reserves on a fresh process whose loop has CPU to spare (a slow upstream), however many wait', () => {
    const { rule, at } = freshRule(0.5);
    for (let now = 0; now <= 3000; now += PROBE_MS) {
      at(now);
      expect(rule.shouldShed(10_000, 0)).toBe(false);
      expect(rule.reserveMs(10_000)).toBe(0);
    }
  });

  it(`refuses a cold step once the loop was saturated for ${STEP_SPAN_MS} ms and the queue at the cold cost is over ${STEP_FACTOR}x the target, then anything over the target`, () => {
    const { rule, at } = freshRule(1);
    // One probe into the step: not yet saturated for the step span, so even 159 ahead are admitted.
    at(PROBE_MS);
    expect(rule.shouldShed(159, 0)).toBe(false);
    at(STEP_SPAN_MS);
    // 19 ahead and this one: 20 × 25 = 500 ms, not over twice the target: no step yet.
    expect(rule.shouldShed(19, 0)).toBe(false);
    expect(rule.saturated).toBe(false);
    // 20 ahead: 525 ms, a step, refused.
    expect(rule.shouldShed(20, 0)).toBe(true);
    expect(rule.saturated).toBe(true);
    // From now on refused over the target: 10 × 25 = 250 admitted, 11 × 25 = 275 refused.
    expect(rule.shouldShed(9, 0)).toBe(false);
    expect(rule.shouldShed(10, 0)).toBe(true);
    expect(rule.reserveMs(9)).toBe(225);
    // 40 ms of lag already spent: 8 × 25 + 40 = 240 admitted, 9 × 25 + 40 = 265 refused.
    expect(rule.shouldShed(7, 40)).toBe(false);
    expect(rule.shouldShed(8, 40)).toBe(true);
  });

  it(`gives way to the measured CPU time per request once ${MIN_SAMPLES} completions were seen`, () => {
    const { rule, at, useCpu } = freshRule(0.4);
    for (let i = 0; i < MIN_SAMPLES - 1; i++) rule.completed(30);
    useCpu(70);
    at(BUDGET_WINDOW_MS);
    // 7 completions are not enough to trust: still the cold cost.
    expect(rule.capacityPerSecond).toBe(40);
    rule.completed(30);
    useCpu(10);
    at(2 * BUDGET_WINDOW_MS);
    // 8 completions for 80 ms of CPU: 10 ms each, 100 a second.
    expect(rule.capacityPerSecond).toBeCloseTo(100, 9);
  });

  it(`judges a second wave by the first wave's own cost as soon as ${MIN_SAMPLES} completed, before their window closes`, () => {
    const { rule, at, useCpu } = freshRule(0.4);
    at(PROBE_MS);
    for (let i = 0; i < MIN_SAMPLES - 1; i++) rule.completed(700);
    useCpu(14);
    expect(rule.capacityPerSecond).toBe(40);
    rule.completed(700);
    useCpu(2);
    // 8 completions for 16 ms of CPU in the open window: 2 ms each, 500 a second, so 40 in flight are 80 ms of work.
    expect(rule.capacityPerSecond).toBeCloseTo(500, 9);
    at(2 * PROBE_MS);
    expect(rule.shouldShed(40, 0)).toBe(false);
  });

  it("a reload's new rule takes over the cost the process measured instead of assuming the cold cost again", () => {
    const { rule: warm, at, useCpu } = freshRule(0.4);
    for (let i = 0; i < MIN_SAMPLES; i++) warm.completed(30);
    useCpu(80);
    at(BUDGET_WINDOW_MS);
    expect(warm.capacityPerSecond).toBeCloseTo(100, 9);
    const { rule: next } = freshRule(0.4);
    expect(next.capacityPerSecond).toBe(40);
    next.adoptMeasurements(warm);
    expect(next.capacityPerSecond).toBeCloseTo(100, 9);
    // A rule that measured nothing hands nothing over: the cold cost stays.
    const { rule: other } = freshRule(0.4);
    other.adoptMeasurements(freshRule(0.4).rule);
    expect(other.capacityPerSecond).toBe(40);
  });

  it('a SIGHUP swap hands the old gateway\'s admission measurements to the new one', async () => {
    const config = resolveConfig({ port: 0, host: '127.0.0.1', mode: 'production', logLevel: 'warn' }, { sources: Object.fromEntries(ALL_SOURCE_NAMES.map((name) => [name, { url: 'http://127.0.0.1:9' }])) });
    const first = createGateway(config, { logger: createLogger('silent'), processMetrics: false });
    const next = createGateway(config, { logger: createLogger('silent'), processMetrics: false, server: first.server });
    const handedFrom: unknown[] = [];
    next.admission.adoptMeasurements = (previous) => void handedFrom.push(previous);
    const reloadable = new ReloadableGateway(first);
    await reloadable.swap(next, 0);
    expect(handedFrom).toEqual([first.admission]);
    await next.release();
  });

  it('without a cold cost (0) a fresh process knows no capacity and never acts, as before', () => {
    let now = 0;
    const rule = new DeadlineBudget(TARGET_MS, MIN_UTILISATION, () => now, () => 1, () => 0, 0);
    for (now = 0; now <= 2000; now += PROBE_MS) expect(rule.shouldShed(10_000, 0)).toBe(false);
    expect(rule.capacityPerSecond).toBeUndefined();
  });
});
