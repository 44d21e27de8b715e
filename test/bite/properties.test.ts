import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEVER_FORWARDED } from '../../src/config-schema.js';
import { createDemoData, DEMO_PRODUCT_COUNT } from '../../src/demo/data.js';
import { CallCancelledError, CircuitOpenError, UpstreamRejectedError, UpstreamUnavailableError } from '../../src/errors.js';
import { forwardedHeaders } from '../../src/http/header-policy.js';
import { SourceBreaker } from '../../src/resilience/breaker.js';
import { RetryBudget } from '../../src/resilience/retry-budget.js';
import { formatMoney } from '../../src/resolvers/pricing.js';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/** Rules that must hold for every input, checked over random ones (fast-check shrinks a failure to its smallest case). */

describe('retry budget over random call sequences', () => {
  const WINDOW_MS = 10_000;
  const BUCKET_MS = WINDOW_MS / 10;
  const event = fc.record({ kind: fc.constantFrom('call', 'retry'), advanceMs: fc.nat({ max: 2500 }) });
  const options = fc.record({ ratio: fc.double({ min: 0, max: 1, noNaN: true }), minRetriesPerSecond: fc.nat({ max: 3 }) });

  it('at one instant, a retry is granted exactly while retries + 1 <= floor + ratio × calls', () => {
    fc.assert(
      fc.property(options, fc.array(fc.constantFrom('call', 'retry'), { maxLength: 200 }), ({ ratio, minRetriesPerSecond }, kinds) => {
        const budget = new RetryBudget({ ratio, minRetriesPerSecond, windowMs: WINDOW_MS });
        const now = 1_000_000;
        const floor = (minRetriesPerSecond * WINDOW_MS) / 1000;
        let calls = 0;
        let retries = 0;
        for (const kind of kinds) {
          if (kind === 'call') {
            budget.recordCall(now);
            calls += 1;
            continue;
          }
          const expected = retries + 1 <= floor + ratio * calls;
          expect(budget.tryAcquireRetry(now)).toBe(expected);
          if (expected) retries += 1;
        }
      }),
    );
  });

  it('over random times, retries granted in any trailing window never exceed floor + ratio × the calls of that window', () => {
    fc.assert(
      fc.property(options, fc.array(event, { maxLength: 300 }), ({ ratio, minRetriesPerSecond }, events) => {
        const budget = new RetryBudget({ ratio, minRetriesPerSecond, windowMs: WINDOW_MS });
        const floor = (minRetriesPerSecond * WINDOW_MS) / 1000;
        const calls: number[] = [];
        const granted: number[] = [];
        let now = 1_000_000;
        for (const { kind, advanceMs } of events) {
          now += advanceMs;
          if (kind === 'call') {
            budget.recordCall(now);
            calls.push(now);
          } else if (budget.tryAcquireRetry(now)) {
            granted.push(now);
            // Buckets make the window between WINDOW_MS - BUCKET_MS and WINDOW_MS long: the
            // grants of the shorter span are bounded by the calls of the longer one.
            const recentGrants = granted.filter((at) => at > now - (WINDOW_MS - BUCKET_MS)).length;
            const windowCalls = calls.filter((at) => at > now - WINDOW_MS - BUCKET_MS).length;
            expect(recentGrants).toBeLessThanOrEqual(floor + ratio * windowCalls);
          }
        }
      }),
    );
  });

  it('after a quiet full window, the whole floor is available again', () => {
    fc.assert(
      fc.property(options, fc.array(event, { maxLength: 100 }), fc.integer({ min: WINDOW_MS, max: 5 * WINDOW_MS }), ({ ratio, minRetriesPerSecond }, events, quietMs) => {
        const budget = new RetryBudget({ ratio, minRetriesPerSecond, windowMs: WINDOW_MS });
        let now = 1_000_000;
        for (const { kind, advanceMs } of events) {
          now += advanceMs;
          if (kind === 'call') budget.recordCall(now);
          else budget.tryAcquireRetry(now);
        }
        now += quietMs;
        const floor = (minRetriesPerSecond * WINDOW_MS) / 1000;
        let granted = 0;
        while (granted <= floor && budget.tryAcquireRetry(now)) granted += 1;
        expect(granted).toBe(floor);
      }),
    );
  });
});

describe('retry budget window edges (exact times)', () => {
  it('a call made exactly one bucket after the first stays counted until its own bucket leaves the window', () => {
    // 10 s window of ten 1 s buckets; no floor, one retry per call.
    const budget = new RetryBudget({ ratio: 1, minRetriesPerSecond: 0, windowMs: 10_000 });
    const t0 = 1_000_000;
    budget.recordCall(t0);
    budget.recordCall(t0 + 1000);
    // At t0 + 10 s the first call has left the window, the second (9 s old) has not: one retry.
    expect(budget.tryAcquireRetry(t0 + 10_000)).toBe(true);
    expect(budget.tryAcquireRetry(t0 + 10_000)).toBe(false);
    // One bucket later the second call has left too.
    expect(budget.tryAcquireRetry(t0 + 11_000)).toBe(false);
  });

  it('buckets start at the first use, not at wall-clock multiples of the bucket length', () => {
    const budget = new RetryBudget({ ratio: 1, minRetriesPerSecond: 0, windowMs: 10_000 });
    const t0 = 1_000_500;
    budget.recordCall(t0);
    // 9.999 s later the call is still inside the window (its bucket began at t0, not at 1_000_000).
    expect(budget.tryAcquireRetry(t0 + 9_999)).toBe(true);
  });
});

describe('breaker window over random outcome sequences', () => {
  type Outcome = 'ok' | 'fail' | 'rejected' | 'cancelled';
  const outcomes = fc.array(fc.constantFrom<Outcome>('ok', 'fail', 'fail', 'rejected', 'cancelled'), { maxLength: 60 });
  const settings = fc.record({ errorThresholdPercentage: fc.integer({ min: 1, max: 99 }), volumeThreshold: fc.integer({ min: 0, max: 20 }) });

  const errorOf: Record<Exclude<Outcome, 'ok'>, () => Error> = {
    fail: () => new UpstreamUnavailableError('pricing', 'injected 503'),
    rejected: () => new UpstreamRejectedError('pricing', 'injected 404'),
    cancelled: () => new CallCancelledError('pricing', 'request ended'),
  };

  it('opens exactly after the first failure with volume reached and error rate above the threshold; 4xx and cancelled calls never count as failures', async () => {
    await fc.assert(
      fc.asyncProperty(settings, outcomes, async ({ errorThresholdPercentage, volumeThreshold }, sequence) => {
        // A window far longer than the run: no bucket rotates while it runs.
        const breaker = new SourceBreaker('pricing', { errorThresholdPercentage, volumeThreshold, windowMs: 600_000, resetTimeoutMs: 600_000 });
        let fires = 0;
        let failures = 0;
        let open = false;
        try {
          for (const outcome of sequence) {
            const attempt = breaker.fire(() => (outcome === 'ok' ? Promise.resolve('fine') : Promise.reject(errorOf[outcome]())));
            if (open) {
              await expect(attempt).rejects.toBeInstanceOf(CircuitOpenError);
              continue;
            }
            fires += 1;
            if (outcome === 'ok') await expect(attempt).resolves.toBe('fine');
            else await expect(attempt).rejects.toBeInstanceOf(errorOf[outcome]().constructor);
            if (outcome === 'fail') {
              failures += 1;
              if (fires >= Math.max(1, volumeThreshold) && (failures / fires) * 100 > errorThresholdPercentage) open = true;
            }
            expect(breaker.state).toBe(open ? 'OPEN' : 'CLOSED');
            expect(breaker.failsFast).toBe(open);
          }
        } finally {
          breaker.shutdown();
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('header policy over random header sets', () => {
  const token = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/);
  const headerName = fc.oneof(token, fc.constantFrom(...NEVER_FORWARDED, 'authorization', 'accept-language', 'x-request-id', 'traceparent', 'cookie'));
  const headerValue = fc.oneof(fc.stringMatching(/^[\x21-\x7e]{1,20}$/), fc.constantFrom('a\rb', 'a\nb', 'x\r\ny: z'));

  it('forwards only allowed names, never hop-by-hop or Connection-named ones, never CR/LF, and each value unchanged', () => {
    fc.assert(
      fc.property(fc.dictionary(headerName, headerValue, { maxKeys: 12 }), fc.uniqueArray(headerName, { maxLength: 8 }), fc.subarray([...NEVER_FORWARDED, 'authorization']), (sent, allowlist, connectionNamed) => {
        const client = new Headers();
        for (const [name, value] of Object.entries(sent)) {
          try {
            client.set(name, value);
          } catch {
            // Headers refuses CR/LF itself on some Node versions: then the value never arrives at all.
          }
        }
        if (connectionNamed.length) client.set('connection', connectionNamed.join(', '));
        const forwarded = forwardedHeaders(client, allowlist);
        const blocked = new Set<string>([...NEVER_FORWARDED, ...connectionNamed]);
        const expected: Record<string, string> = {};
        for (const name of allowlist) {
          const value = client.get(name);
          if (!blocked.has(name) && value !== null && !/[\r\n]/.test(value)) expected[name] = value;
        }
        expect(forwarded).toEqual(expected);
        for (const name of Object.keys(forwarded)) {
          expect(allowlist).toContain(name);
          expect(NEVER_FORWARDED as readonly string[]).not.toContain(name);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('header policy, exact cases', () => {
  it('a Connection header names headers case-insensitively and with spaces: those are not forwarded', () => {
    const client = new Headers({ connection: 'Keep-Alive, X-Tenant,Accept-Language', 'x-tenant': 't-1', 'accept-language': 'de', authorization: 'Bearer a' });
    expect(forwardedHeaders(client, ['x-tenant', 'accept-language', 'authorization'])).toEqual({ authorization: 'Bearer a' });
  });
});

describe('money formatting over random amounts and currencies', () => {
  const currency = fc.constantFrom('USD', 'EUR', 'GBP', 'JPY', 'KWD', 'CHF', 'INR', 'BHD', 'KRW', 'CLP', 'SEK');
  it('equals Intl.NumberFormat of amount / 10^minor digits, memo or not', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), currency, (amount, code) => {
        const intl = new Intl.NumberFormat('en-US', { style: 'currency', currency: code });
        const expected = intl.format(amount / 10 ** intl.resolvedOptions().maximumFractionDigits!);
        expect(formatMoney(amount, code)).toBe(expected);
        expect(formatMoney(amount, code)).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it('spot values: USD cents, JPY without decimals, KWD with three', () => {
    expect([formatMoney(1999, 'USD'), formatMoney(1999, 'JPY'), formatMoney(1999, 'KWD'), formatMoney(0, 'USD'), formatMoney(-5, 'USD')]).toEqual([
      '$19.99',
      '¥1,999',
      'KWD\u00a01.999',
      '$0.00',
      '-$0.05',
    ]);
  });
});

describe('cursor pagination over random page sizes (real gateway)', () => {
  let harness: Harness;
  const catalogOrder = createDemoData().products.map((product) => product.id);
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness.close());

  async function page(first: number, after: string | null): Promise<{ ids: string[]; hasNextPage: boolean; endCursor: string | null }> {
    const { body } = await harness.query(`query($first: Int, $after: String) { products(first: $first, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }`, { first, after });
    expect(body.errors).toBeUndefined();
    const products = body.data!.products as { nodes: Array<{ id: string }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
    return { ids: products.nodes.map((node) => node.id), ...products.pageInfo };
  }

  it('following endCursor with any mix of page sizes visits every product once, in catalog order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 5 }), async (sizes) => {
        // Page sizes cycle; at least 12 per 100 products keeps a run to ~60 requests.
        const cycle = sizes.map((size) => Math.max(size, 20));
        const seen: string[] = [];
        let after: string | null = null;
        for (let n = 0; n < 100; n++) {
          const current = await page(cycle[n % cycle.length]!, after);
          expect(current.ids).toHaveLength(Math.min(cycle[n % cycle.length]!, DEMO_PRODUCT_COUNT - seen.length));
          seen.push(...current.ids);
          if (!current.hasNextPage) break;
          after = current.endCursor;
        }
        expect(seen).toEqual(catalogOrder);
      }),
      { numRuns: 4 },
    );
  });

  it('refuses every forged or tampered cursor with BAD_USER_INPUT, and keeps serving', async () => {
    const genuine = (await page(7, null)).endCursor!;
    const tampered = fc.tuple(fc.nat({ max: genuine.length - 1 }), fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_')).map(([at, char]) => genuine.slice(0, at) + char + genuine.slice(at + 1)).filter((cursor) => cursor !== genuine);
    const forged = fc.oneof(tampered, fc.string({ maxLength: 60 }), fc.base64String({ maxLength: 60 }), fc.constantFrom(Buffer.from('[null,0]').toString('base64url'), Buffer.from(JSON.stringify(['MTA', 0])).toString('base64url')));
    await fc.assert(
      fc.asyncProperty(forged, async (cursor) => {
        const { status, body } = await harness.query(`query($after: String) { products(first: 3, after: $after) { nodes { id } } }`, { after: cursor });
        expect(status).toBe(200);
        expect(body.data).toEqual({ products: null });
        expect(body.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      }),
      { numRuns: 60 },
    );
    expect((await page(2, genuine)).ids).toEqual(['p-0008', 'p-0009']);
  });
});
