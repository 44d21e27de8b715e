import { afterEach, describe, expect, it } from 'vitest';
import { BUDGET_WINDOW_MS, SATURATED_SPAN_MS } from '../../src/front-door/deadline-budget.js';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { metricValue, scrape } from './helpers.js';

/**
 * The deadline rule's cut (src/plugins/use-answer-by-deadline.ts) and the phase marks of a late
 * response (src/plugins/use-response-phases.ts), through a real Ballast in this process, so that
 * mutation runs reach them (docs/testing.md, "Mutation testing").
 *
 * The cut is only made while the deadline rule finds the loop saturated. The tests set that state
 * through configuration, not by loading the machine: with `minUtilisation: 0` the rule counts the
 * loop as saturated once it has watched it for a whole span (SATURATED_SPAN_MS), whatever the CPU
 * does; with the rule off it never does (`minUtilisation: 1` is no "never": a loop held busy for a
 * whole span on a starved runner is 100 % busy, and a query was cut there). Its shedding needs a capacity measured over
 * MIN_SAMPLES (8) completions, so each gateway here answers fewer than 8 queries and sheds nothing.
 *
 * "The loop is held" is made real as well: the test spins this process's own loop (where Ballast
 * runs) past the request's deadline while an upstream call hangs, as the requests sharing a
 * saturated loop would hold it.
 */

const DEADLINE_MS = 600;
const P1 = { id: 'p-0001', name: 'Cozy Bamboo Trail Pack' };
const CUT_ANSWER = { data: null, errors: [{ message: 'the request deadline passed before the query finished', extensions: { code: 'DEADLINE_EXCEEDED' } }] };
const PRICED_QUERY = '{ product(id: "p-0001") { id name price { amount } } }';
const NAME_QUERY = '{ product(id: "p-0001") { id name } }';
const PHASES = ['unread', 'queued', 'execution', 'write'];

let harness: Harness | undefined;
afterEach(async () => {
  harness?.reset();
  await harness?.close();
  harness = undefined;
});

/** A gateway whose deadline rule counts its loop as saturated (`saturated: true`), or one without the rule (never saturated). */
async function startGateway(saturated: boolean): Promise<Harness> {
  harness = await startHarness({
    deadlineMs: DEADLINE_MS,
    // Only the deadline ends a pricing wait, and no stale price stands in for it.
    sources: { pricing: { timeoutMs: 10 * DEADLINE_MS, attemptTimeoutMs: 10 * DEADLINE_MS, maxStaleMs: 0, retry: { maxAttempts: 1 } } },
    server: { adaptiveLimit: false, maxEventLoopDelayMs: 0, deadlineAdmission: saturated ? { enabled: true, minUtilisation: 0 } : { enabled: false } },
  });
  // The gateway (and its rule) was built before it listened. The rule judges the loop over probes
  // at least BUDGET_WINDOW_MS apart covering a whole span.
  const builtAt = performance.now();
  // Warm (graphql-jit compiles a document on its first run): the timed query then reaches pricing in a few ms.
  expect((await harness.query(PRICED_QUERY)).status).toBe(200);
  harness.reset();
  if (saturated) await expect.poll(() => performance.now() - builtAt, { interval: 50, timeout: 5000 }).toBeGreaterThan(SATURATED_SPAN_MS + BUDGET_WINDOW_MS);
  return harness;
}

/** What /metrics says of cuts and late responses. */
async function deadlineCounts(h: Harness): Promise<{ cut: number; late2xx: number; byPhase: Record<string, number> }> {
  const text = await scrape(h);
  const cut = Number(/^ballast_queries_cut_at_deadline_total (\d+)$/m.exec(text)![1]);
  const late2xx = metricValue(text, 'ballast_responses_past_deadline_total', { status_class: '2xx' }) ?? 0;
  const byPhase = Object.fromEntries(PHASES.map((phase) => [phase, Number(new RegExp(`^ballast_response_deadline_overrun_seconds_count\\{phase="${phase}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0)]));
  return { cut, late2xx, byPhase };
}

/** The counts after, less the counts before. */
function grown(before: Awaited<ReturnType<typeof deadlineCounts>>, after: Awaited<ReturnType<typeof deadlineCounts>>): Awaited<ReturnType<typeof deadlineCounts>> {
  return {
    cut: after.cut - before.cut,
    late2xx: after.late2xx - before.late2xx,
    byPhase: Object.fromEntries(PHASES.map((phase) => [phase, after.byPhase[phase]! - before.byPhase[phase]!])),
  };
}

/** Holds this process's event loop (Ballast's) until `until` on the `performance.now()` clock. */
function holdLoopUntil(until: number): void {
  while (performance.now() < until) {
    // Busy on purpose: nothing else may run, as on a loop other requests hold.
  }
}

/** Once pricing received its call, holds the loop past the deadline of a request sent before it (its clock started earlier). */
async function holdLoopPastDeadlineOnceCalled(h: Harness): Promise<void> {
  await expect.poll(() => h.service('pricing').requestCount, { interval: 1, timeout: DEADLINE_MS }).toBe(1);
  holdLoopUntil(performance.now() + DEADLINE_MS + 100);
}

const noLateResponse = { unread: 0, queued: 0, execution: 0, write: 0 };

describe('the cut, on a loop the deadline rule finds saturated', () => {
  it('a query whose deadline passed before execution is answered at once: 200, data null, one DEADLINE_EXCEEDED error, counted once, no upstream called', async () => {
    const h = await startGateway(true);
    const before = await deadlineCounts(h);
    const answer = await h.query(NAME_QUERY, undefined, { 'x-ballast-deadline-ms': '1' });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual(CUT_ANSWER);
    expect(h.service('catalog').requestCount).toBe(0);
    expect((await deadlineCounts(h)).cut - before.cut).toBe(1);
    // Still serving.
    expect((await h.query(NAME_QUERY)).body).toEqual({ data: { product: P1 } });
  });

  it('a query still executing at its cut time is answered then, with no data: counted once, and reported late in phase "execution"', async () => {
    const h = await startGateway(true);
    h.service('pricing').setFault({ latencyMs: 10_000 });
    const before = await deadlineCounts(h);
    const answering = h.query(PRICED_QUERY);
    await holdLoopPastDeadlineOnceCalled(h);
    const answer = await answering;
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual(CUT_ANSWER);
    // Answered after the held loop let it: past its deadline, while its execution was running.
    expect(grown(before, await deadlineCounts(h))).toEqual({ cut: 1, late2xx: 1, byPhase: { ...noLateResponse, execution: 1 } });
  });

  it('a mutation whose deadline passed is not cut: it runs, and its own field answers', async () => {
    const h = await startGateway(true);
    const before = await deadlineCounts(h);
    const answer = await h.query('mutation { addToCart(userId: "u-1", productId: "p-0002", quantity: 1) { cart { totalQuantity } } }', undefined, { 'x-ballast-deadline-ms': '1' });
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual({ addToCart: null });
    expect(answer.body.errors!.map((error) => [error.path, error.extensions?.code])).toEqual([[['addToCart'], 'DEADLINE_EXCEEDED']]);
    expect((await deadlineCounts(h)).cut - before.cut).toBe(0);
  });

  it('a request without the rule\'s clock (yoga.fetch, no Node request) is never cut, however long it runs', async () => {
    const h = await startGateway(true);
    h.service('catalog').setFault({ latencyMs: 100 });
    const before = await deadlineCounts(h);
    const body = JSON.stringify({ query: NAME_QUERY });
    const response = await h.gateway.yoga.fetch(`${h.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
      body,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { product: P1 } });
    expect((await deadlineCounts(h)).cut - before.cut).toBe(0);
  });
});

describe('the phase a late response is reported in, with CPU to spare (no cut)', () => {
  it('a query whose deadline passed while it executed: partial data, reported late once in phase "execution"', async () => {
    const h = await startGateway(false);
    h.service('pricing').setFault({ latencyMs: 10_000 });
    const before = await deadlineCounts(h);
    const answering = h.query(PRICED_QUERY);
    await holdLoopPastDeadlineOnceCalled(h);
    const answer = await answering;
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual({ product: { ...P1, price: null } });
    expect(answer.body.extensions?.degraded).toEqual([{ source: 'pricing', reason: 'DEADLINE_EXCEEDED', fallback: 'NULL', paths: [['product', 'price']] }]);
    expect(grown(before, await deadlineCounts(h))).toEqual({ cut: 0, late2xx: 1, byPhase: { ...noLateResponse, execution: 1 } });
  });

  it('a streamed (@defer) answer whose deadline passed after its first payload: reported late once in phase "write"', async () => {
    const h = await startGateway(false);
    h.service('pricing').setFault({ latencyMs: 10_000 });
    const before = await deadlineCounts(h);
    const response = await fetch(`${h.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed' },
      body: JSON.stringify({ query: '{ product(id: "p-0001") { id name ... @defer { price { amount } } } }' }),
    });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    // The first payload is out: execution (the part before @defer) has ended.
    while (!text.includes('"product":{"id":"p-0001"')) text += decoder.decode((await reader.read()).value, { stream: true });
    await holdLoopPastDeadlineOnceCalled(h);
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += decoder.decode(chunk.value, { stream: true });
    expect(response.status).toBe(200);
    expect(text).toContain(`"data":{"product":{"id":"p-0001","name":"${P1.name}"}}`);
    expect(text).toContain('"data":{"price":null}');
    expect(text).toContain('"reason":"DEADLINE_EXCEEDED"');
    expect(grown(before, await deadlineCounts(h))).toEqual({ cut: 0, late2xx: 1, byPhase: { ...noLateResponse, write: 1 } });
  });
});
