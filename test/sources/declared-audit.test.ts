import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { DEFAULT_QUERY } from '../../src/graphiql.js';

/**
 * Issue 18 items no other test showed. GraphiQL's first tab shows the demo's declared service
 * (`shipping`, schema/shipping.graphql) and it answers there. A declared source has the failure
 * samples of a coded one
 * (docs/adding-a-data-source.md): the failing call of `shipping` (schema/shipping.graphql, no
 * TypeScript) is kept with its request line and reason, exported as a scenario the demo service
 * replays to the same reason.
 */

const QUERY = `{ product(id: "p-0003") { id shipping { days } } }`;

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ sources: { shipping: { timeoutMs: 1500, maxStaleMs: 0, retry: { maxAttempts: 1 } } } });
});
afterAll(() => harness.close());

describe('failure samples of a declared source', () => {
  it('keeps the failing call with its request line and reason, and the demo replay reproduces it', async () => {
    harness.service('shipping').setFault({ htmlError: true });
    const original = await harness.query(QUERY);
    expect(original.body.extensions?.degraded).toEqual([{ source: 'shipping', reason: 'UPSTREAM_BAD_RESPONSE', fallback: 'NULL', paths: [['product', 'shipping']] }]);

    const samples = (await (await fetch(`${harness.url}/dashboard/samples.json?source=shipping`)).json()) as { samples: Array<Record<string, unknown>> };
    expect(samples.samples).toHaveLength(1);
    expect(samples.samples[0]).toMatchObject({ source: 'shipping', reason: 'UPSTREAM_BAD_RESPONSE', status: 200, request: 'GET /estimates?productIds=p-0003&country=US' });
    const scenario = await (await fetch(`${harness.url}/dashboard/samples/shipping/scenario.json`)).json();

    harness.service('shipping').clearFault();
    expect((await harness.query(QUERY)).body).toEqual({ data: { product: { id: 'p-0003', shipping: { days: 5 } } } });
    const replay = await fetch(`${harness.demo.urls.shipping}/__control/scenario`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(scenario) });
    expect(replay.status).toBe(200);
    expect((await harness.query(QUERY)).body.extensions?.degraded).toEqual([{ source: 'shipping', reason: 'UPSTREAM_BAD_RESPONSE', fallback: 'NULL', paths: [['product', 'shipping']] }]);
  });
});

describe("GraphiQL's default query", () => {
  it('asks the declared shipping service, which answers every product of the page', async () => {
    harness.reset();
    expect(DEFAULT_QUERY).toContain('shipping { days carrier }');
    const { status, body } = await harness.query(DEFAULT_QUERY);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const nodes = (body.data as { products: { nodes: Array<{ id: string; shipping: unknown }> } }).products.nodes;
    expect(nodes.slice(0, 3).map((node) => [node.id, node.shipping])).toEqual([
      ['p-0001', { days: 3, carrier: 'DHL' }],
      ['p-0002', { days: 4, carrier: 'UPS' }],
      ['p-0003', { days: 5, carrier: 'DHL' }],
    ]);
    expect(harness.service('shipping').requests.map((request) => request.url)).toEqual([`/estimates?productIds=${nodes.map((node) => node.id).join(',')}&country=US`]);
  });
});
