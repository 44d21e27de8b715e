import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness } from '../helpers/harness.js';
import { metricValue, scrape } from './helpers.js';
import { BUDGET_WINDOW_MS, SATURATED_SPAN_MS } from '../../src/front-door/deadline-budget.js';
import type { Harness } from '../helpers/harness.js';

/**
 * `/health` and `/ready` (src/plugins/use-health.ts) where mutation testing found promises unheld
 * (docs/testing.md, "Mutation testing"): `status` is "degraded" only while the breaker of a
 * `critical` source is open, and `criticalOpen` names exactly those sources (docs/operations.md,
 * "Health and readiness"); a draining gateway's `/ready` is exactly 503 with the reason. Breakers
 * are opened by real failures of the demo upstreams on loopback. And the rate limit
 * (src/plugins/use-rate-limit.ts) for a request that comes without a Node socket (the gateway's
 * own Yoga called with a `Request`, as tests and embedders do): one shared bucket, not a 500. And
 * the requests counter's label of a deadline-cut answer (src/plugins/use-telemetry.ts).
 */

/** Load shedding off: a busy machine must not answer 503 to the queries that open the breakers. */
const STEADY = { server: { adaptiveLimit: false, maxEventLoopDelayMs: 0, deadlineAdmission: { enabled: false } } };
/** One attempt, no stale value, and a breaker that opens after two failed calls and stays open. */
const FRAGILE = { maxStaleMs: 0, retry: { maxAttempts: 1 }, breaker: { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: 60_000 } };

interface Health {
  status: string;
  pid: number;
  criticalOpen: string[];
  sources: Record<string, { state: string; critical: boolean; url: string | null }>;
}

async function health(harness: Harness): Promise<{ status: number; body: Health }> {
  const response = await fetch(`${harness.url}/health`);
  return { status: response.status, body: (await response.json()) as Health };
}

/** Fails `fields` of a page at their source until its breaker is open. */
async function openBreaker(harness: Harness, source: 'pricing' | 'inventory', fields: string): Promise<void> {
  harness.service(source).setFault({ errorRate: 1, errorStatus: 500 });
  await expect
    .poll(async () => {
      await harness.query(`{ products(first: 2) { nodes { id ${fields} } } }`);
      return (await health(harness)).body.sources[source]!.state;
    })
    .toBe('OPEN');
}

describe('/health: degraded only while a critical breaker is open', () => {
  let harness: Harness;
  beforeAll(async () => {
    // Pricing made critical here; inventory is not (its default).
    harness = await startHarness({ ...STEADY, sources: { pricing: { ...FRAGILE, critical: true }, inventory: FRAGILE } });
  });
  afterAll(() => harness.close());
  afterEach(() => harness.reset());

  it('an open breaker of a source that is not critical leaves status ok and criticalOpen empty', async () => {
    await openBreaker(harness, 'inventory', 'inventory { available }');
    const { status, body } = await health(harness);
    expect(status).toBe(200);
    expect([body.status, body.criticalOpen, body.pid]).toEqual(['ok', [], process.pid]);
    expect(body.sources.inventory).toEqual({ state: 'OPEN', critical: false, url: harness.demo.urls.inventory });
    expect(body.sources.pricing).toEqual({ state: 'CLOSED', critical: true, url: harness.demo.urls.pricing });
  });

  it('then the critical pricing opening too: degraded, criticalOpen exactly ["pricing"]', async () => {
    await openBreaker(harness, 'pricing', 'price { amount }');
    const { status, body } = await health(harness);
    expect(status).toBe(200);
    expect([body.status, body.criticalOpen]).toEqual(['degraded', ['pricing']]);
    expect(body.sources.catalog).toEqual({ state: 'CLOSED', critical: true, url: harness.demo.urls.catalog });
    expect(body.sources.inventory!.state).toBe('OPEN');
    // Readiness never follows a dependency every replica shares (docs/operations.md).
    const ready = await fetch(`${harness.url}/ready`);
    expect([ready.status, await ready.json()]).toEqual([200, { ready: true, reasons: [], pid: process.pid }]);
  });
});

describe('/ready while draining', () => {
  it('is exactly 503 { ready: false, reasons: ["draining"], pid } as soon as shutdown begins', async () => {
    const harness = await startHarness(STEADY);
    const closing = harness.gateway.close({ drainDelayMs: 300 });
    try {
      const ready = await fetch(`${harness.url}/ready`);
      expect([ready.status, await ready.json()]).toEqual([503, { ready: false, reasons: ['draining'], pid: process.pid }]);
    } finally {
      await closing;
      await harness.demo.close();
    }
  });
});

describe('the rate limit of a request without a socket', () => {
  it('shares one bucket ("unknown") instead of failing; a loopback client keeps its own', async () => {
    const harness = await startHarness({ ...STEADY, security: { rateLimit: { requestsPerSecond: 0.01, burst: 2 } } });
    try {
      const socketless = async () => {
        const response = await harness.gateway.yoga.fetch('http://127.0.0.1/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
          body: JSON.stringify({ query: '{ product(id: "p-0001") { id } }' }),
        });
        return response.status;
      };
      expect([await socketless(), await socketless(), await socketless()]).toEqual([200, 200, 429]);
      const overHttp = await harness.query('{ product(id: "p-0001") { id } }');
      expect([overHttp.status, overHttp.body]).toEqual([200, { data: { product: { id: 'p-0001' } } }]);
    } finally {
      await harness.close();
    }
  });
});

describe("the requests counter's result label of a query cut at its deadline", () => {
  it('a cut answer ({ data: null, errors: [DEADLINE_EXCEEDED] }) counts as an error, not partial', async () => {
    // The deadline rule on, the loop counted saturated once watched for a whole span (as deadline-plugins-mutants.test.ts does).
    const harness = await startHarness({ deadlineMs: 600, server: { adaptiveLimit: false, maxEventLoopDelayMs: 0, deadlineAdmission: { enabled: true, minUtilisation: 0 } } });
    const builtAt = performance.now();
    try {
      await expect.poll(() => performance.now() - builtAt, { interval: 50, timeout: 5000 }).toBeGreaterThan(SATURATED_SPAN_MS + BUDGET_WINDOW_MS);
      const cut = await harness.query('query Late { product(id: "p-0001") { id name } }', undefined, { 'x-ballast-deadline-ms': '1' });
      expect([cut.status, cut.body.data, cut.body.errors?.map((error) => error.extensions?.code)]).toEqual([200, null, ['DEADLINE_EXCEEDED']]);
      const text = await scrape(harness);
      expect([metricValue(text, 'ballast_graphql_requests_total', { operation: 'Late', result: 'error' }), metricValue(text, 'ballast_graphql_requests_total', { operation: 'Late', result: 'partial' })]).toEqual([1, undefined]);
    } finally {
      await harness.close();
    }
  });
});
