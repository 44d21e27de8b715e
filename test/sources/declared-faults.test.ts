import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { FAULT_MATRIX } from '../helpers/fault-matrix.js';
import { startHarness } from '../helpers/harness.js';
import type { DegradedEntry, Harness } from '../helpers/harness.js';

/**
 * The degradation matrix of test/degradation/faults.test.ts, applied to a source declared in the
 * SDL only (schema/shipping.graphql): the same faults, the same exact assertions.
 */
const QUERY = `{ products(first: 3) { nodes { id name price { amount } shipping { days costCents carrier } shippingOptions { speed days } } } }`;

const TIMEOUT_MS = 400;

const FAULTS = FAULT_MATRIX;

type Node = { id: string; shipping: unknown; shippingOptions: unknown };
type Data = { products: { nodes: Node[] } };

/** shippingOptions declares `@fallback(default:)`: DEFAULT; shipping declares none: NULL with its error. */
const DEFAULT_OPTIONS = [{ speed: 'STANDARD', days: 7 }];
const paths = (field: string) => [0, 1, 2].map((index) => ['products', 'nodes', index, field]);

function sortEntries(entries: DegradedEntry[] | undefined): DegradedEntry[] {
  const byJson = (a: unknown, b: unknown): number => JSON.stringify(a).localeCompare(JSON.stringify(b));
  return [...(entries ?? [])].map((entry) => ({ ...entry, paths: [...entry.paths].sort(byJson) })).sort((a, b) => a.fallback.localeCompare(b.fallback));
}

const POLICY = { timeoutMs: TIMEOUT_MS, attemptTimeoutMs: 200, maxStaleMs: 0, retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 }, breaker: { volumeThreshold: 100_000 } };

describe('a declared source failing', () => {
  let harness: Harness;
  let healthy: Data;
  beforeAll(async () => {
    harness = await startHarness({ sources: { shipping: POLICY } });
    // The first calls of a cold gateway on a loaded machine may outlast the 200 ms attempts: poll
    // until one whole answer is healthy, then take it as the reference.
    const body = await vi.waitFor(
      async () => {
        const answer = (await harness.query(QUERY)).body;
        if (answer.errors || answer.extensions?.degraded) throw new Error('not healthy yet');
        return answer;
      },
      { timeout: 15_000, interval: 100 },
    );
    healthy = body.data as Data;
    expect(healthy.products.nodes[0]).toEqual({ id: 'p-0001', name: expect.any(String), price: { amount: expect.any(Number) }, shipping: { days: 3, costCents: 399, carrier: 'DHL' }, shippingOptions: [{ speed: 'STANDARD', days: 3 }, { speed: 'EXPRESS', days: 1 }] });
  });
  afterAll(() => harness.close());
  beforeEach(() => harness.reset());

  it.each(FAULTS)('%s: healthy fields complete, shipping degraded', async (_name, fault, reason) => {
    harness.service('shipping').setFault(fault);
    const started = performance.now();
    const response = await harness.query(QUERY);
    const elapsed = performance.now() - started;

    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({ products: { nodes: healthy.products.nodes.map((node) => ({ ...node, shipping: null, shippingOptions: DEFAULT_OPTIONS })) } });
    expect(sortEntries(response.body.extensions?.degraded)).toEqual(
      sortEntries([
        { source: 'shipping', reason, fallback: 'DEFAULT', paths: paths('shippingOptions') },
        { source: 'shipping', reason, fallback: 'NULL', paths: paths('shipping') },
      ]),
    );
    const errors = (response.body.errors ?? []).map((error) => ({ path: error.path, code: error.extensions?.code, source: error.extensions?.source }));
    expect(errors).toHaveLength(3);
    expect(errors).toEqual(expect.arrayContaining(paths('shipping').map((path) => ({ path, code: reason, source: 'shipping' }))));
    // The bound is the source timeout, not the 1.5 s the fault would take.
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 600);
  });
});

describe('a declared source with its breaker and stale cache', () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('opens its breaker after failures: CIRCUIT_OPEN, without calling the upstream', async () => {
    harness = await startHarness({ sources: { shipping: { ...POLICY, retry: { maxAttempts: 1 }, breaker: { volumeThreshold: 2, resetTimeoutMs: 60_000 } } } });
    harness.service('shipping').setFault({ errorRate: 1 });
    const query = `{ product(id: "p-0001") { id shipping { days } } }`;
    const reasons: unknown[] = [];
    for (let i = 0; i < 3; i++) reasons.push((await harness.query(query)).body.extensions?.degraded?.[0]?.reason);
    expect(reasons).toEqual(['UPSTREAM_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE', 'CIRCUIT_OPEN']);
    expect(harness.service('shipping').requestCount).toBe(2);
    const pipelines = harness.gateway.state.sources.pipelines as unknown as Record<string, { breaker?: { state: string } }>;
    expect(pipelines.shipping!.breaker?.state).toBe('OPEN');
    const { body } = await harness.query(query);
    expect(body.data).toEqual({ product: { id: 'p-0001', shipping: null } });
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'CIRCUIT_OPEN', source: 'shipping' });
  });

  it('serves the last good value as STALE with its age when the upstream fails', async () => {
    harness = await startHarness({ sources: { shipping: { ...POLICY, maxStaleMs: 60_000 } } });
    const query = `{ product(id: "p-0002") { id shipping { days costCents carrier } } }`;
    const warmSentAt = Date.now();
    const warm = await harness.query(query);
    expect(warm.body.data).toEqual({ product: { id: 'p-0002', shipping: { days: 4, costCents: 499, carrier: 'UPS' } } });
    const warmedAt = Date.now();
    harness.service('shipping').setFault({ reset: true });
    const staleSentAt = Date.now();
    const { body } = await harness.query(query);
    const answeredAt = Date.now();
    expect(body.data).toEqual(warm.body.data);
    expect(body.errors).toBeUndefined();
    expect(body.extensions?.degraded).toEqual([{ source: 'shipping', reason: 'UPSTREAM_UNAVAILABLE', fallback: 'STALE', paths: [['product', 'shipping']], staleAgeMs: expect.any(Number) }]);
    const staleAgeMs = body.extensions!.degraded![0]!.staleAgeMs!;
    // The value was stored while the warm query ran and served while the failing one ran: its age
    // lies between the gap separating the two queries and the time spanning both.
    expect(staleAgeMs).toBeGreaterThanOrEqual(staleSentAt - warmedAt);
    expect(staleAgeMs).toBeLessThanOrEqual(answeredAt - warmSentAt);
  });
});
