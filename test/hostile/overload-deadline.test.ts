import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { closedLoopUntil, handledWithin, WORK_EVERY_TIME } from './cpu-overload.js';
import { createContext } from '../../src/context.js';
import { resolveConfig } from '../../src/config.js';
import { BUDGET_WINDOW_MS, DeadlineBudget, MIN_SAMPLES, SATURATED_SPAN_MS } from '../../src/front-door/deadline-budget.js';
import type { Operations } from '../../src/sources/bind.js';
import { startBallastProcess } from '../helpers/process.js';
import { P1_NAME, P1_QUERY } from './raw-socket.js';

/**
 * The deadline rule of admission control (docs/security.md): while the loop is saturated, a
 * request is admitted only if the requests ahead of it, leaving at the measured capacity, let it
 * finish within a share of its deadline; its clock starts before Node read it, and the time the
 * requests ahead need is kept out of its upstream waits.
 */
const TARGET_MS = 500;
const MIN_UTILISATION = 0.9;

/** A rule on a clock the test moves, with the event loop as busy as `utilisation` says. */
function ruleAt(utilisation = 1): { rule: DeadlineBudget; at(ms: number): void; setUtilisation(value: number): void } {
  let now = 0;
  let busy = utilisation;
  const rule = new DeadlineBudget(TARGET_MS, MIN_UTILISATION, () => now, () => busy);
  return { rule, at: (ms) => (now = ms), setUtilisation: (value) => (busy = value) };
}

function complete(rule: DeadlineBudget, count: number, sojournMs = 10): void {
  for (let i = 0; i < count; i++) rule.completed(sojournMs);
}

/** `windows` windows of BUDGET_WINDOW_MS from `from` ms, each with `perWindow` completions, each judged at its end; returns the end. */
function runWindows(rule: DeadlineBudget, at: (ms: number) => void, from: number, windows: number, perWindow: number): number {
  let now = from;
  for (let i = 0; i < windows; i++) {
    complete(rule, perWindow);
    now += BUDGET_WINDOW_MS;
    at(now);
    void rule.capacityPerSecond;
  }
  return now;
}

/** Windows that make up SATURATED_SPAN_MS. */
const SPAN_WINDOWS = SATURATED_SPAN_MS / BUDGET_WINDOW_MS;

describe('deadline rule, injected clock and utilisation', () => {
  it('admits exactly the requests the measured capacity finishes within the target, less the lag', () => {
    const { rule, at } = ruleAt(1);
    // 100 completions per saturated 250 ms window: 400 per second, 0.4 per ms, for a whole span.
    runWindows(rule, at, 0, SPAN_WINDOWS, 100);
    expect(rule.capacityPerSecond).toBe(400);
    // (n + 1) / 0.4 ≤ 500 ms ⇔ n ≤ 199.
    expect(rule.shouldShed(199, 0)).toBe(false);
    expect(rule.shouldShed(200, 0)).toBe(true);
    // 100 ms already spent unread in the socket: (n + 1) / 0.4 ≤ 400 ⇔ n ≤ 159.
    expect(rule.shouldShed(159, 100)).toBe(false);
    expect(rule.shouldShed(160, 100)).toBe(true);
    // What a request behind 100 others keeps from its upstream waits: 100 / 0.4 ms.
    expect(rule.reserveMs(100)).toBe(250);
  });

  it('sheds a queue up to STEP_FACTOR times the target only once the loop was saturated for a whole span, not after one busy window', () => {
    const { rule, at } = ruleAt(1);
    const end = runWindows(rule, at, 0, SPAN_WINDOWS - 1, 100);
    expect(rule.capacityPerSecond).toBe(400);
    // 398 in flight: (398 + 1) / 0.4 = 997.5 ms ahead, within STEP_FACTOR (2) times the 500 ms target: no cold step, so nothing before a whole span.
    expect(rule.shouldShed(398, 0)).toBe(false);
    expect(rule.reserveMs(398)).toBe(0);
    runWindows(rule, at, end, 1, 100);
    expect(rule.shouldShed(398, 0)).toBe(true);
  });

  it('does not shed for the burst of answers after a slow upstream: one busy window after an idle wait', () => {
    const { rule, at, setUtilisation } = ruleAt(0);
    // 40 requests wait 700 ms on an upstream with the loop idle...
    at(700);
    void rule.capacityPerSecond;
    // ...then their answers keep the loop busy for a window.
    setUtilisation(1);
    runWindows(rule, at, 700, 1, 16);
    expect(rule.capacityPerSecond).toBe(64);
    expect(rule.shouldShed(40, 0)).toBe(false);
    expect(rule.reserveMs(40)).toBe(0);
  });

  it('never sheds or reserves before a saturated window held enough completions (a cold start)', () => {
    const { rule, at } = ruleAt(1);
    complete(rule, MIN_SAMPLES - 1);
    at(BUDGET_WINDOW_MS * 4);
    expect(rule.capacityPerSecond).toBeUndefined();
    expect(rule.shouldShed(10_000, 0)).toBe(false);
    expect(rule.reserveMs(10_000)).toBe(0);
    // The window grew until it held enough: 8 completions in 1250 ms.
    complete(rule, 1);
    at(BUDGET_WINDOW_MS * 5);
    expect(rule.capacityPerSecond).toBe(6.4);
  });

  it('neither sheds nor reserves once the loop has CPU to spare again (slow upstreams), and keeps the capacity it measured', () => {
    const { rule, at, setUtilisation } = ruleAt(1);
    const end = runWindows(rule, at, 0, SPAN_WINDOWS, 100);
    expect(rule.shouldShed(500, 0)).toBe(true);
    // Requests now wait on a slow upstream: few complete, the loop idles (0.75 + 0.05 of the span busy).
    setUtilisation(0.2);
    runWindows(rule, at, end, 1, 1);
    expect(rule.shouldShed(500, 0)).toBe(false);
    expect(rule.reserveMs(500)).toBe(0);
    expect(rule.capacityPerSecond).toBe(400);
  });

  it('smooths the capacity over saturated windows and does not count refusals as completions', () => {
    const { rule, at } = ruleAt(1);
    let end = runWindows(rule, at, 0, 1, 100);
    end = runWindows(rule, at, end, 1, 50);
    // (400 + 200) / 2 per second.
    expect(rule.capacityPerSecond).toBeCloseTo(300, 9);
    // Refused requests only call shouldShed: they neither complete nor lower the capacity.
    for (let i = 0; i < 1000; i++) rule.shouldShed(1000, 0);
    runWindows(rule, at, end, 1, 75);
    expect(rule.capacityPerSecond).toBeCloseTo(300, 9);
  });

  it('a window bounded by its own refusals does not lower the capacity, unless the admitted requests were slower than the target', () => {
    const { rule, at } = ruleAt(1);
    let end = runWindows(rule, at, 0, SPAN_WINDOWS, 100);
    expect(rule.shouldShed(1000, 0)).toBe(true);
    // Refusing kept 20 in flight; they finished in 50 ms each, far within the target: the rule, not the CPU, bounded the rate.
    complete(rule, 20, 50);
    end += BUDGET_WINDOW_MS;
    at(end);
    expect(rule.capacityPerSecond).toBe(400);
    // Refusing again, but the admitted took 600 ms (over the 500 ms target): the CPU is slower now.
    expect(rule.shouldShed(1000, 0)).toBe(true);
    complete(rule, 20, 600);
    at(end + BUDGET_WINDOW_MS);
    expect(rule.capacityPerSecond).toBeCloseTo((400 + 80) / 2, 9);
  });

  const step = fc.record({
    dtMs: fc.integer({ min: 0, max: 400 }),
    completions: fc.integer({ min: 0, max: 300 }),
    inFlight: fc.integer({ min: 0, max: 5000 }),
    lagMs: fc.integer({ min: 0, max: 3000 }),
    utilisation: fc.double({ min: 0, max: 1, noNaN: true }),
  });

  it('property: never sheds or reserves while the loop is below minUtilisation, whatever the load', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200 }), (steps) => {
        let now = 0;
        let utilisation = 0;
        const rule = new DeadlineBudget(TARGET_MS, MIN_UTILISATION, () => now, () => utilisation);
        for (const { dtMs, completions, inFlight, lagMs, utilisation: busy } of steps) {
          now += dtMs;
          utilisation = busy * MIN_UTILISATION * 0.999;
          complete(rule, completions);
          if (rule.shouldShed(inFlight, lagMs) || rule.reserveMs(inFlight) !== 0) return false;
        }
        return true;
      }),
    );
  });

  it('property: whenever it admits on a loop saturated over the span, lag + (n + 1) / capacity is within the target', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200 }), (steps) => {
        let now = 0;
        const rule = new DeadlineBudget(TARGET_MS, MIN_UTILISATION, () => now, () => 1);
        for (const { dtMs, completions, inFlight, lagMs } of steps) {
          now += dtMs;
          complete(rule, completions);
          const capacity = rule.capacityPerSecond;
          if (capacity === undefined || !rule.saturated || rule.shouldShed(inFlight, lagMs)) continue;
          if (lagMs + ((inFlight + 1) / capacity) * 1000 > TARGET_MS + 1e-6) return false;
        }
        return true;
      }),
    );
  });
});

describe("a request's clock from admission", () => {
  const config = resolveConfig({ deadlineMs: 2000 });
  const request = () => new Request('http://127.0.0.1/graphql');

  it('starts the deadline when the request arrived less the loop lag, and keeps the reserve out of it', () => {
    const context = createContext({ config, operations: {} as Operations }, request(), { startedAt: 10_000, reserveMs: 300 });
    expect(context.deadline.expiresAt).toBe(10_000 + 2000 - 300);
  });

  it('keeps at most half the budget in reserve', () => {
    const context = createContext({ config, operations: {} as Operations }, request(), { startedAt: 10_000, reserveMs: 5000 });
    expect(context.deadline.expiresAt).toBe(10_000 + 1000);
  });

  it('without a clock (no admission control) the deadline starts now', () => {
    const before = performance.now();
    const context = createContext({ config, operations: {} as Operations }, request());
    expect(context.deadline.expiresAt).toBeGreaterThanOrEqual(before + 2000);
    expect(context.deadline.expiresAt).toBeLessThanOrEqual(performance.now() + 2000);
  });
});

/**
 * A real Ballast process (demo upstreams in the same process) made CPU-bound by closed-loop
 * clients sending the largest legal page with prices and stock, with the shipped admission rules:
 * the deadline rule refuses what could not finish in time, and every 2xx is answered within the
 * deadline plus bounded slack.
 */
describe('a real Ballast process under CPU overload, shipped rules', () => {
  // Short, as in test/hostile/overload.test.ts: the overload holds whatever else the machine runs.
  const DEADLINE_MS = 500;
  const CLIENTS = 64;
  const LOAD_MS = 5000;
  /** 64, 128, 256 clients: at most 256, within maxInFlight (1024). */
  const MAX_DOUBLINGS = 2;
  /**
   * Bounds, not speed claims, for a loaded runner (load average 10 on 2 cores when written, where
   * the client saw at most 2.3 s and Ballast's own histogram at most 2.5 s): inside Ballast every
   * request is answered within 2.5 s (a histogram bucket); seen from the client, which also waits
   * while the request sits unread and while other processes hold the CPU, within 5 s — half the
   * bound of the tests of the older rules, whose 2xx reached 14.5 s (test/hostile/overload.test.ts).
   */
  const INSIDE_BOUND_SECONDS = 2.5;
  const CLIENT_BOUND_MS = 5000;
  const OVERLOADED_MESSAGES = [
    'Ballast is overloaded (the work queued ahead would not finish within the deadline); retry later',
    'Ballast is overloaded (requests are taking over half their deadline); retry later',
    'Ballast is overloaded (the event loop is behind); retry later',
    // Off by default; listed so the test holds if queue shedding is turned on by default.
    'Ballast is overloaded (requests are queueing for the CPU); retry later',
  ];

  async function post(url: string): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ query: P1_QUERY }) });
    return { status: response.status, body: await response.json() };
  }

  async function shedCount(url: string, reason: string): Promise<number> {
    const text = await (await fetch(`${url}/metrics`)).text();
    const match = new RegExp(`^ballast_requests_shed_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(text);
    return match ? Number(match[1]) : 0;
  }

  it('refuses with 503 OVERLOADED + Retry-After (reason deadline_budget), answers every 2xx within bounded time, and serves normally afterwards', { timeout: 90_000 }, async () => {
    const ballast = await startBallastProcess({ env: { BALLAST_WORKERS: '1', BALLAST__deadlineMs: String(DEADLINE_MS), ...WORK_EVERY_TIME } });
    try {
      for (let i = 0; i < 5; i++) expect((await post(ballast.url)).status).toBe(200);
      // The deadline rule refuses once the queue ahead exceeds a quarter of the deadline (125 ms): at
      // 2.5 ms a request 64 clients queue 160 ms, barely past it, and none on a machine twice as fast,
      // so the load doubles until the rule under test has refused something.
      const answers = await closedLoopUntil(ballast.url, CLIENTS, LOAD_MS, MAX_DOUBLINGS, async () => (await shedCount(ballast.url, 'deadline_budget')) > 0);
      const served = answers.filter((answer) => answer.status === 200);
      const shed = answers.filter((answer) => answer.status === 503);
      expect(answers.filter((answer) => answer.status !== 200 && answer.status !== 503)).toEqual([]);
      expect(served.length).toBeGreaterThan(0);
      expect(shed.length).toBeGreaterThan(0);
      for (const answer of shed) {
        expect(answer.retryAfter).toBe('1');
        // The shipped rules together: the deadline rule, or the adaptive limit where it cuts first.
        expect(OVERLOADED_MESSAGES).toContain((JSON.parse(answer.body) as { errors: { message: string }[] }).errors[0]!.message);
        expect(JSON.parse(answer.body)).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'OVERLOADED' } }] });
      }
      expect(await shedCount(ballast.url, 'deadline_budget')).toBeGreaterThan(0);
      expect(Math.max(...served.map((answer) => answer.ms))).toBeLessThan(CLIENT_BOUND_MS);
      const inside = await handledWithin(ballast.url, INSIDE_BOUND_SECONDS);
      expect(inside.within).toBe(inside.total);
      expect(inside.total).toBeGreaterThanOrEqual(served.length);
      await expect.poll(async () => (await post(ballast.url)).status, { timeout: 10_000 }).toBe(200);
      expect((await post(ballast.url)).body).toEqual({ data: { product: { id: 'p-0001', name: P1_NAME } } });
    } finally {
      ballast.kill();
    }
  });
});
