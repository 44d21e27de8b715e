import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigOverrides } from '../../src/config.js';
import { startHarness } from '../helpers/harness.js';
import type { GraphQLResponse, Harness } from '../helpers/harness.js';
import { exportSpansInProcess, spansIn } from '../helpers/otlp.js';
import type { ExportedSpan } from '../helpers/otlp.js';

/**
 * The spans the resilience pipeline writes (docs/operations.md, "Tracing"), exported for real over
 * OTLP/HTTP to a receiver on loopback by a Ballast in this process, so that every line of the
 * pipeline's tracing is reached by the tests that mutate it. Each case puts a real fault on the
 * demo pricing service and reads back the exact names, links, attributes and events.
 */
const SERVER = 2;
const INTERNAL = 1;
const CLIENT = 3;
const UNSET = 0;
const ERROR = 2;
const CLIENT_SPAN_ID = '00f067aa0ba902b7';
const PRICE_CHECK = 'query PriceCheck { product(id: "p-0001") { id price { amount } } }';
const TIMEOUT_MS = 3000;
const ATTEMPT_TIMEOUT_MS = 2000;

/** Pricing with no jitter (delays of 0 ms), no stale values and no breaker unless a case sets them. */
function pricingPolicy(pricing: Record<string, unknown> = {}): ConfigOverrides {
  return {
    deadlineMs: 10_000,
    fieldTimeouts: { 'Product.price': 8000, 'Product.inventory': 8000 },
    sources: {
      pricing: {
        timeoutMs: TIMEOUT_MS, attemptTimeoutMs: ATTEMPT_TIMEOUT_MS, maxStaleMs: 0,
        retry: { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0, budgetRatio: 1, budgetMinPerSecond: 100 },
        breaker: { enabled: false },
        ...pricing,
      },
    },
  };
}

const exported = exportSpansInProcess();
let harness: Harness | undefined;
let traceCounter = 0;


afterEach(async () => {
  harness?.reset();
  await harness?.close();
  harness = undefined;
});

async function start(overrides: ConfigOverrides): Promise<Harness> {
  harness = await startHarness(overrides);
  return harness;
}

/** A fresh sampled client trace per query, so each case reads only its own spans. */
function newTraceId(): string {
  traceCounter += 1;
  return `4bf92f3577b34da6a3ce9${String(traceCounter).padStart(11, '0')}`;
}

interface Traced {
  traceId: string;
  response: GraphQLResponse;
  /** The request's server span. */
  request: ExportedSpan;
  /** Every pricing span of the trace (the catalog's call and attempt are not these tests' business). */
  spans: ExportedSpan[];
}

/** Sends `query` in a trace of its own and waits for the request span and `pricingSpans` pricing spans. */
async function tracedQuery(h: Harness, query: string, pricingSpans: number, headers: Record<string, string> = {}): Promise<Traced> {
  const traceId = newTraceId();
  const response = await h.query(query, undefined, { traceparent: `00-${traceId}-${CLIENT_SPAN_ID}-01`, ...headers });
  return { traceId, response, ...(await exportedSpans(traceId, pricingSpans)) };
}

async function exportedSpans(traceId: string, pricingSpans: number): Promise<Omit<Traced, 'response' | 'traceId'>> {
  const ofTrace = (): ExportedSpan[] => spansIn(exported.receiver.bodies).filter((span) => span.traceId === traceId);
  const pricing = (): ExportedSpan[] => ofTrace().filter((span) => span.attributes['ballast.source'] === 'pricing');
  await expect.poll(() => ofTrace().filter((span) => span.kind === SERVER).length, { timeout: 5000 }).toBe(1);
  await expect.poll(() => pricing().length, { timeout: 5000 }).toBe(pricingSpans);
  const request = ofTrace().find((span) => span.kind === SERVER)!;
  expect(request).toMatchObject({ name: 'query PriceCheck', parentSpanId: CLIENT_SPAN_ID });
  return { request, spans: pricing() };
}

function callSpan(traced: Traced): ExportedSpan {
  const calls = traced.spans.filter((span) => span.kind === INTERNAL);
  expect(calls.map((span) => span.name)).toEqual(['pricing GET /prices']);
  expect(calls[0]!.parentSpanId).toBe(traced.request.spanId);
  return calls[0]!;
}

/** The attempt spans of `call`, by resend count. */
function attemptSpans(traced: Traced, call: ExportedSpan): ExportedSpan[] {
  const attempts = traced.spans.filter((span) => span.kind === CLIENT);
  for (const attempt of attempts) expect(attempt.parentSpanId).toBe(call.spanId);
  return attempts.sort((a, b) => Number(a.attributes['http.request.resend_count']) - Number(b.attributes['http.request.resend_count']));
}

function attemptAttributes(h: Harness, resendCount: number, extra: Record<string, string | number>): Record<string, string | number> {
  return {
    'ballast.source': 'pricing',
    'http.request.method': 'GET',
    'url.template': '/prices',
    'server.address': '127.0.0.1',
    'server.port': Number(new URL(h.service('pricing').url).port),
    'http.request.resend_count': resendCount,
    'ballast.attempt.timeout_ms': ATTEMPT_TIMEOUT_MS,
    ...extra,
  };
}

const CALL_ATTRIBUTES = {
  'ballast.source': 'pricing',
  'http.request.method': 'GET',
  'url.template': '/prices',
  'ballast.call.budget_ms': TIMEOUT_MS,
  'ballast.call.limited_by_deadline': false,
};

describe('pipeline spans, exported in process', () => {
  it('two failed attempts and a third that answers: three attempt spans under one call, two retry events', async () => {
    const h = await start(pricingPolicy());
    h.service('pricing').replay([{ errorRate: 1, errorStatus: 503 }, { errorRate: 1, errorStatus: 500 }, {}]);
    const traced = await tracedQuery(h, PRICE_CHECK, 4);
    expect(traced.response.body).toEqual({ data: { product: { id: 'p-0001', price: { amount: 13598 } } } });

    const call = callSpan(traced);
    expect(call.attributes).toEqual(CALL_ATTRIBUTES);
    expect(call.status).toEqual({ code: UNSET });
    expect(call.events).toEqual([
      { name: 'ballast.retry', attributes: { 'error.type': 'UPSTREAM_UNAVAILABLE', 'ballast.delay_ms': 0 } },
      { name: 'ballast.retry', attributes: { 'error.type': 'UPSTREAM_UNAVAILABLE', 'ballast.delay_ms': 0 } },
    ]);
    const attempts = attemptSpans(traced, call);
    expect(attempts.map((span) => span.name)).toEqual(['GET /prices', 'GET /prices', 'GET /prices']);
    expect(attempts.map((span) => span.attributes)).toEqual([
      attemptAttributes(h, 0, { 'http.response.status_code': 503, 'error.type': '503' }),
      attemptAttributes(h, 1, { 'http.response.status_code': 500, 'error.type': '500' }),
      attemptAttributes(h, 2, { 'http.response.status_code': 200 }),
    ]);
    expect(attempts.map((span) => span.status.code)).toEqual([ERROR, ERROR, UNSET]);
    // Each attempt is the parent the upstream was told of.
    expect(h.service('pricing').requests.map((request) => request.headers.traceparent)).toEqual(attempts.map((span) => `00-${traced.traceId}-${span.spanId}-01`));
    expect(traced.request.attributes['http.response.status_code']).toBe(200);
    expect(traced.request.events).toEqual([]);
  });

  it('every attempt fails: the call ends in error with ballast.call.failed, the request span carries the NULL fallback', async () => {
    const h = await start(pricingPolicy({ retry: { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 0, budgetRatio: 1, budgetMinPerSecond: 100 } }));
    h.service('pricing').setFault({ errorRate: 1, errorStatus: 503 });
    const traced = await tracedQuery(h, PRICE_CHECK, 3);
    expect(traced.response.body.data).toEqual({ product: { id: 'p-0001', price: null } });

    const call = callSpan(traced);
    expect(call.attributes).toEqual({ ...CALL_ATTRIBUTES, 'error.type': 'UPSTREAM_UNAVAILABLE' });
    expect(call.status).toEqual({ code: ERROR, message: 'pricing answered HTTP 503' });
    expect(call.events).toEqual([
      { name: 'ballast.retry', attributes: { 'error.type': 'UPSTREAM_UNAVAILABLE', 'ballast.delay_ms': 0 } },
      { name: 'ballast.call.failed', attributes: { 'error.type': 'UPSTREAM_UNAVAILABLE' } },
    ]);
    const attempts = attemptSpans(traced, call);
    expect(attempts.map((span) => span.attributes)).toEqual([
      attemptAttributes(h, 0, { 'http.response.status_code': 503, 'error.type': '503' }),
      attemptAttributes(h, 1, { 'http.response.status_code': 503, 'error.type': '503' }),
    ]);
    expect(attempts.map((span) => span.status)).toEqual([{ code: ERROR, message: 'pricing answered HTTP 503' }, { code: ERROR, message: 'pricing answered HTTP 503' }]);
    expect(traced.request.attributes['http.response.status_code']).toBe(200);
    expect(traced.request.events).toEqual([
      { name: 'ballast.fallback', attributes: { 'ballast.source': 'pricing', 'ballast.degradation.reason': 'UPSTREAM_UNAVAILABLE', 'ballast.fallback': 'NULL', 'ballast.fields': 1 } },
    ]);
  });

  it('the breaker opens after the first attempt: the retry is refused, no second attempt span, ballast.breaker.refused', async () => {
    const h = await start(pricingPolicy({ breaker: { enabled: true, errorThresholdPercentage: 50, volumeThreshold: 1, windowMs: 10_000, resetTimeoutMs: 60_000 } }));
    h.service('pricing').setFault({ errorRate: 1, errorStatus: 503 });
    const traced = await tracedQuery(h, PRICE_CHECK, 2);
    expect(traced.response.body.extensions?.degraded).toEqual([{ source: 'pricing', reason: 'CIRCUIT_OPEN', fallback: 'NULL', paths: [['product', 'price']] }]);
    expect(h.service('pricing').requestCount).toBe(1);

    const call = callSpan(traced);
    expect(call.attributes).toEqual({ ...CALL_ATTRIBUTES, 'error.type': 'CIRCUIT_OPEN' });
    expect(call.status.code).toBe(ERROR);
    expect(call.events).toEqual([
      { name: 'ballast.retry', attributes: { 'error.type': 'UPSTREAM_UNAVAILABLE', 'ballast.delay_ms': 0 } },
      { name: 'ballast.breaker.refused', attributes: { 'error.type': 'CIRCUIT_OPEN' } },
    ]);
    expect(attemptSpans(traced, call).map((span) => span.attributes)).toEqual([attemptAttributes(h, 0, { 'http.response.status_code': 503, 'error.type': '503' })]);
    expect(traced.request.events).toEqual([
      { name: 'ballast.fallback', attributes: { 'ballast.source': 'pricing', 'ballast.degradation.reason': 'CIRCUIT_OPEN', 'ballast.fallback': 'NULL', 'ballast.fields': 1 } },
    ]);
  });

  it('the only bulkhead slot is busy and nothing may queue: a call span with ballast.bulkhead.refused and no attempt', async () => {
    const h = await start(pricingPolicy({ bulkhead: { maxConcurrent: 1, maxQueue: 0 } }));
    h.service('pricing').setFault({ latencyMs: 600 });
    const first = h.query(PRICE_CHECK);
    await expect.poll(() => h.service('pricing').requestCount).toBe(1);
    const traced = await tracedQuery(h, PRICE_CHECK, 1);
    expect(traced.response.body.extensions?.degraded).toEqual([{ source: 'pricing', reason: 'BULKHEAD_FULL', fallback: 'NULL', paths: [['product', 'price']] }]);
    expect((await first).body.data).toEqual({ product: { id: 'p-0001', price: { amount: 13598 } } });

    const call = callSpan(traced);
    expect(call.attributes).toEqual({ ...CALL_ATTRIBUTES, 'error.type': 'BULKHEAD_FULL' });
    expect(call.status.code).toBe(ERROR);
    expect(call.events).toEqual([{ name: 'ballast.bulkhead.refused', attributes: { 'error.type': 'BULKHEAD_FULL' } }]);
    expect(attemptSpans(traced, call)).toEqual([]);
    expect(traced.request.events).toEqual([
      { name: 'ballast.fallback', attributes: { 'ballast.source': 'pricing', 'ballast.degradation.reason': 'BULKHEAD_FULL', 'ballast.fallback': 'NULL', 'ballast.fields': 1 } },
    ]);
  });

  it('a call that queued for the bulkhead slot: ballast.bulkhead.waited with how long it waited', async () => {
    const h = await start(pricingPolicy({ bulkhead: { maxConcurrent: 1, maxQueue: 1 } }));
    h.service('pricing').setFault({ latencyMs: 300 });
    const first = h.query(PRICE_CHECK);
    await expect.poll(() => h.service('pricing').requestCount).toBe(1);
    const sentAt = performance.now();
    const traced = await tracedQuery(h, PRICE_CHECK, 2);
    const elapsedMs = performance.now() - sentAt;
    await first;
    expect(traced.response.body).toEqual({ data: { product: { id: 'p-0001', price: { amount: 13598 } } } });

    const call = callSpan(traced);
    expect(call.events.map((event) => event.name)).toEqual(['ballast.bulkhead.waited']);
    const waited = call.events[0]!.attributes['ballast.wait_ms'] as number;
    expect(waited).toBeGreaterThan(0);
    expect(waited).toBeLessThan(elapsedMs);
    expect(attemptSpans(traced, call).map((span) => span.attributes)).toEqual([attemptAttributes(h, 0, { 'http.response.status_code': 200 })]);
  });

  it('a retry the budget refuses: ballast.retry_budget.exhausted, one attempt, the attempt\'s error kept', async () => {
    const h = await start(pricingPolicy({ retry: { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0, budgetRatio: 0, budgetMinPerSecond: 0 } }));
    h.service('pricing').setFault({ errorRate: 1, errorStatus: 503 });
    const traced = await tracedQuery(h, PRICE_CHECK, 2);
    expect(h.service('pricing').requestCount).toBe(1);

    const call = callSpan(traced);
    expect(call.attributes).toEqual({ ...CALL_ATTRIBUTES, 'error.type': 'UPSTREAM_UNAVAILABLE' });
    expect(call.events).toEqual([
      { name: 'ballast.retry_budget.exhausted', attributes: {} },
      { name: 'ballast.call.failed', attributes: { 'error.type': 'UPSTREAM_UNAVAILABLE' } },
    ]);
    expect(attemptSpans(traced, call)).toHaveLength(1);
  });

  it('the client\'s deadline is shorter than the source timeout: the call\'s budget is what is left of it, limited_by_deadline', async () => {
    // The upstream fails at once, so the call ends on its own error, never in a race with the deadline's cut.
    const h = await start(pricingPolicy({ retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0, budgetRatio: 1, budgetMinPerSecond: 100 } }));
    h.service('pricing').setFault({ errorRate: 1, errorStatus: 503 });
    const traced = await tracedQuery(h, PRICE_CHECK, 2, { 'x-ballast-deadline-ms': '2000' });
    expect(traced.response.body.extensions?.degraded).toEqual([{ source: 'pricing', reason: 'UPSTREAM_UNAVAILABLE', fallback: 'NULL', paths: [['product', 'price']] }]);

    const call = callSpan(traced);
    const budget = call.attributes['ballast.call.budget_ms'] as number;
    expect(budget).toBeGreaterThan(0);
    expect(budget).toBeLessThanOrEqual(2000);
    expect(call.attributes).toEqual({ ...CALL_ATTRIBUTES, 'ballast.call.budget_ms': budget, 'ballast.call.limited_by_deadline': true, 'error.type': 'UPSTREAM_UNAVAILABLE' });
    expect(call.events).toEqual([{ name: 'ballast.call.failed', attributes: { 'error.type': 'UPSTREAM_UNAVAILABLE' } }]);
    expect(attemptSpans(traced, call).map((span) => span.attributes)).toEqual([attemptAttributes(h, 0, { 'http.response.status_code': 503, 'error.type': '503' })]);
  });

  it('a STALE fallback: the request span\'s event carries the stale age the client was told', async () => {
    const h = await start(pricingPolicy({ maxStaleMs: 60_000, retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0, budgetRatio: 1, budgetMinPerSecond: 100 } }));
    expect((await h.query(PRICE_CHECK)).body.data).toEqual({ product: { id: 'p-0001', price: { amount: 13598 } } });
    h.service('pricing').setFault({ errorRate: 1, errorStatus: 503 });
    const traced = await tracedQuery(h, PRICE_CHECK, 2);
    expect(traced.response.body.data).toEqual({ product: { id: 'p-0001', price: { amount: 13598 } } });
    const staleAgeMs = traced.response.body.extensions?.degraded?.[0]?.staleAgeMs;
    expect(typeof staleAgeMs).toBe('number');
    expect(traced.request.events).toEqual([
      {
        name: 'ballast.fallback',
        attributes: { 'ballast.source': 'pricing', 'ballast.degradation.reason': 'UPSTREAM_UNAVAILABLE', 'ballast.fallback': 'STALE', 'ballast.fields': 1, 'ballast.stale_age_ms': staleAgeMs! },
      },
    ]);
  });

  it('a DEFAULT fallback (inventory): the request span\'s event names the source, reason and fields', async () => {
    const h = await start({ ...pricingPolicy(), sources: { inventory: { maxStaleMs: 0, retry: { maxAttempts: 1 }, breaker: { enabled: false } } } });
    h.service('inventory').setFault({ errorRate: 1, errorStatus: 503 });
    const traced = await tracedQuery(h, 'query PriceCheck { product(id: "p-0001") { id inventory { available status } } }', 0);
    expect(traced.response.body.data).toEqual({ product: { id: 'p-0001', inventory: { available: null, status: 'UNKNOWN' } } });
    expect(traced.request.events).toEqual([
      { name: 'ballast.fallback', attributes: { 'ballast.source': 'inventory', 'ballast.degradation.reason': 'UPSTREAM_UNAVAILABLE', 'ballast.fallback': 'DEFAULT', 'ballast.fields': 1 } },
    ]);
  });
});
