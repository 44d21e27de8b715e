import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/**
 * The shipping source has no TypeScript in Ballast: schema/shipping.graphql declares it with
 * `@rest`, the demo upstream answers on loopback (docs/adding-a-data-source.md).
 */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ sources: { shipping: { maxStaleMs: 0 } } });
});
afterAll(() => harness.close());
beforeEach(() => harness.reset());

const PAGE = `{ products(first: 20) { nodes { id shipping { days costCents carrier } } } }`;

type Node = { id: string; shipping: { days: number; costCents: number; carrier: string | null } | null };
const nodesOf = (data: Record<string, unknown> | null | undefined): Node[] => (data!.products as { nodes: Node[] }).nodes;

describe('a declared batch source', () => {
  it('answers a page of products with one batched call carrying every id and the default argument', async () => {
    const { status, body } = await harness.query(PAGE);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const nodes = nodesOf(body.data);
    expect(nodes).toHaveLength(20);
    // The demo's estimate of p-0001 and p-0002 (src/demo/shipping-route.ts).
    expect(nodes[0]).toEqual({ id: 'p-0001', shipping: { days: 3, costCents: 399, carrier: 'DHL' } });
    expect(nodes[1]).toEqual({ id: 'p-0002', shipping: { days: 4, costCents: 499, carrier: 'UPS' } });
    const requests = harness.service('shipping').requests;
    expect(requests).toHaveLength(1);
    const ids = Array.from({ length: 20 }, (_, index) => `p-${String(index + 1).padStart(4, '0')}`);
    expect(requests[0]!.url).toBe(`/estimates?productIds=${ids.join(',')}&country=US`);
  });

  it('passes query arguments through: one call per distinct argument value', async () => {
    const { body } = await harness.query(`{ products(first: 2) { nodes { id us: shipping { days costCents } de: shipping(country: "DE") { days costCents } } } }`);
    expect(body.errors).toBeUndefined();
    expect((body.data!.products as { nodes: unknown[] }).nodes).toEqual([
      { id: 'p-0001', us: { days: 3, costCents: 399 }, de: { days: 6, costCents: 798 } },
      { id: 'p-0002', us: { days: 4, costCents: 499 }, de: { days: 8, costCents: 998 } },
    ]);
    expect(harness.service('shipping').requests.map((request) => request.url).sort()).toEqual(['/estimates?productIds=p-0001,p-0002&country=DE', '/estimates?productIds=p-0001,p-0002&country=US']);
  });

  it('fails only the bad item of a good batch with UPSTREAM_BAD_RESPONSE', async () => {
    harness.service('shipping').setFault({ badItemIds: ['p-0002'] });
    const { body } = await harness.query(`{ products(first: 3) { nodes { id shipping { days } } } }`);
    expect(nodesOf(body.data).map((node) => node.shipping)).toEqual([{ days: 3 }, null, { days: 5 }]);
    expect(body.extensions?.degraded).toEqual([{ source: 'shipping', reason: 'UPSTREAM_BAD_RESPONSE', fallback: 'NULL', paths: [['products', 'nodes', 1, 'shipping']] }]);
    expect(body.errors?.map((error) => [error.path, error.extensions?.code, error.extensions?.source])).toEqual([[['products', 'nodes', 1, 'shipping'], 'UPSTREAM_BAD_RESPONSE', 'shipping']]);
  });

  it('refuses an Int beyond 32 bits from the SDL type, for that key only', async () => {
    harness.service('shipping').setFault({ hugeNumberIds: ['p-0001'] });
    const { body } = await harness.query(`{ products(first: 2) { nodes { id shipping { days } } } }`);
    expect(nodesOf(body.data).map((node) => node.shipping)).toEqual([null, { days: 4 }]);
    expect(body.extensions?.degraded).toEqual([{ source: 'shipping', reason: 'UPSTREAM_BAD_RESPONSE', fallback: 'NULL', paths: [['products', 'nodes', 0, 'shipping']] }]);
  });
});

describe('a declared one-per-key list source', () => {
  it('loads a list field with one GET per product, the key in the path', async () => {
    const { body } = await harness.query(`{ products(first: 2) { nodes { id shippingOptions { speed days costCents } } } }`);
    expect(body.errors).toBeUndefined();
    expect((body.data!.products as { nodes: unknown[] }).nodes).toEqual([
      { id: 'p-0001', shippingOptions: [{ speed: 'STANDARD', days: 3, costCents: 399 }, { speed: 'EXPRESS', days: 1, costCents: 798 }] },
      { id: 'p-0002', shippingOptions: [{ speed: 'STANDARD', days: 4, costCents: 499 }, { speed: 'EXPRESS', days: 2, costCents: 998 }] },
    ]);
    expect(harness.service('shipping').requests.map((request) => request.url).sort()).toEqual(['/options/p-0001', '/options/p-0002']);
  });

  it('answers null without an error or a degraded entry when the upstream says 404', async () => {
    harness.service('shipping').setFault({ errorRate: 1, errorStatus: 404 });
    const { body } = await harness.query(`{ product(id: "p-0001") { id shippingOptions { speed } } }`);
    expect(body).toEqual({ data: { product: { id: 'p-0001', shippingOptions: null } } });
  });

  it('takes its declared @fallback default when the service fails', async () => {
    harness.service('shipping').setFault({ errorRate: 1, errorStatus: 500 });
    const { body } = await harness.query(`{ product(id: "p-0001") { id shippingOptions { speed days costCents } } }`);
    expect(body.data).toEqual({ product: { id: 'p-0001', shippingOptions: [{ speed: 'STANDARD', days: 7, costCents: 0 }] } });
    expect(body.errors).toBeUndefined();
    expect(body.extensions?.degraded).toEqual([{ source: 'shipping', reason: 'UPSTREAM_UNAVAILABLE', fallback: 'DEFAULT', paths: [['product', 'shippingOptions']] }]);
  });
});

describe('a declared source in the operational views', () => {
  it('has its own pipeline with its config policy, a /health entry, metrics and a dashboard row', async () => {
    const pipelines = harness.gateway.state.sources.pipelines as unknown as Record<string, { timeoutMs: number }>;
    expect(pipelines.shipping!.timeoutMs).toBe(harness.gateway.state.config.sources['shipping' as 'catalog'].timeoutMs);
    await harness.query(`{ product(id: "p-0001") { shipping { days } } }`);
    const metrics = await (await fetch(`${harness.url}/metrics`)).text();
    expect(metrics).toMatch(/ballast_upstream_requests_total\{[^}]*source="shipping"[^}]*\} 1\b/);
    const health = (await (await fetch(`${harness.url}/health`)).json()) as { sources: Record<string, unknown> };
    expect(Object.keys(health.sources)).toContain('shipping');
    const dashboard = (await (await fetch(`${harness.url}/dashboard/status.json`)).json()) as { sources: Array<{ name: string; kind: string; state: string }> };
    expect(dashboard.sources.find((row) => row.name === 'shipping')).toMatchObject({ name: 'shipping', kind: 'demo', state: 'CLOSED' });
  });
});
