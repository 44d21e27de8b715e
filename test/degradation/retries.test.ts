import { afterEach, describe, expect, it } from 'vitest';
import { Deadline } from '../../src/resilience/deadline.js';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const PRICES = `{ products(first: 3) { nodes { id price { amount } } } }`;

describe('retries against a real failing upstream', () => {
  it('answers correctly when the source fails every other call, with the configured attempts', async () => {
    harness = await startHarness({ sources: { pricing: { retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 } } } });
    harness.service('pricing').setFault({ errorRate: 0.5, errorStatus: 500 });
    for (let i = 0; i < 5; i++) {
      const { body } = await harness.query(PRICES);
      expect(body.extensions?.degraded).toBeUndefined();
      expect((body.data!.products as { nodes: Array<{ price: unknown }> }).nodes.every((node) => node.price !== null)).toBe(true);
    }
    // The fault fails requests 2, 4, 6, 8: the first query succeeds at once, the other four on their second attempt.
    expect(harness.service('pricing').requestCount).toBe(1 + 4 * 2);
  });

  it('gives up after maxAttempts', async () => {
    harness = await startHarness({ sources: { pricing: { maxStaleMs: 0, retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 } } } });
    harness.service('pricing').setFault({ errorRate: 1, errorStatus: 502 });
    const { body } = await harness.query(PRICES);
    expect(body.extensions?.degraded?.[0]).toMatchObject({ source: 'pricing', reason: 'UPSTREAM_UNAVAILABLE', fallback: 'NULL' });
    expect(harness.service('pricing').requestCount).toBe(3);
  });

  it('never retries a 4xx', async () => {
    harness = await startHarness({ sources: { pricing: { maxStaleMs: 0 } } });
    harness.service('pricing').setFault({ errorRate: 1, errorStatus: 400 });
    const { body } = await harness.query(PRICES);
    expect(body.extensions?.degraded?.[0]).toMatchObject({ source: 'pricing', reason: 'UPSTREAM_BAD_RESPONSE', fallback: 'NULL' });
    expect(harness.service('pricing').requestCount).toBe(1);
  });

  it('never retries a non-idempotent call', async () => {
    harness = await startHarness();
    harness.service('cart').setFault({ errorRate: 1, errorStatus: 503 });
    const scope = { deadline: new Deadline(2000), onFinish: () => () => undefined, headers: () => ({}) };
    await expect(harness.gateway.state.sources.pipelines.cart.call({ method: 'POST', path: '/carts/u-1', idempotent: false, parse: (response) => response }, scope)).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', status: 503 });
    expect(harness.service('cart').requestCount).toBe(1);
  });

  it('waits as long as Retry-After says before retrying', async () => {
    harness = await startHarness({ deadlineMs: 3000, fieldTimeouts: { 'Product.price': 2800 }, sources: { pricing: { timeoutMs: 2500, attemptTimeoutMs: 500 } } });
    harness.service('pricing').setFault({ errorRate: 0.5, errorStatus: 503, retryAfterSeconds: 1 });
    await harness.query(PRICES); // request 1 succeeds; request 2 will fail with Retry-After: 1
    harness.service('pricing').resetLog();
    const { body } = await harness.query(PRICES);
    expect(body.extensions?.degraded).toBeUndefined();
    const [failed, retried] = harness.service('pricing').requests;
    expect(retried!.at - failed!.at).toBeGreaterThanOrEqual(950);
  });

  it('skips a retry whose Retry-After would outlast the deadline', async () => {
    harness = await startHarness({ sources: { pricing: { maxStaleMs: 0 } } });
    harness.service('pricing').setFault({ errorRate: 1, errorStatus: 503, retryAfterSeconds: 30 });
    const started = performance.now();
    const { body } = await harness.query(PRICES);
    expect(performance.now() - started).toBeLessThan(500);
    expect(body.extensions?.degraded?.[0]).toMatchObject({ reason: 'UPSTREAM_UNAVAILABLE', fallback: 'NULL' });
    expect(harness.service('pricing').requestCount).toBe(1);
  });

  it('keeps upstream calls within (1 + budget) x calls when the source fails 100% under steady load', async () => {
    const ratio = 0.2;
    harness = await startHarness({
      sources: { pricing: { maxStaleMs: 0, breaker: { enabled: false }, retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2, budgetRatio: ratio, budgetMinPerSecond: 0 } } },
    });
    harness.service('pricing').setFault({ errorRate: 1, errorStatus: 500 });
    const calls = 60;
    const workers = 4;
    await Promise.all(
      Array.from({ length: workers }, async () => {
        for (let i = 0; i < calls / workers; i++) await harness!.query(PRICES);
      }),
    );
    const upstream = harness.service('pricing').requestCount;
    expect(upstream).toBeGreaterThan(calls);
    expect(upstream).toBeLessThanOrEqual(Math.floor((1 + ratio) * calls));
  });
});
