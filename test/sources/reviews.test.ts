import { afterEach, describe, expect, it } from 'vitest';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const QUERY = `{ products(first: 20) { nodes { id rating { average count } } } }`;

describe('the reviews source', () => {
  it('answers Product.rating for a page of products in one batched call', async () => {
    harness = await startHarness();
    const { body } = await harness.query(QUERY);
    expect(body.errors).toBeUndefined();
    const nodes = (body.data!.products as { nodes: Array<{ rating: unknown }> }).nodes;
    expect(nodes.every((node) => node.rating !== null)).toBe(true);
    expect(harness.service('reviews').requestCount).toBe(1);
  });

  it('degrades to its fallback and opens its breaker when the service fails', async () => {
    harness = await startHarness({ sources: { reviews: { maxStaleMs: 0, retry: { maxAttempts: 1 }, breaker: { volumeThreshold: 2, resetTimeoutMs: 60_000 } } } });
    harness.service('reviews').setFault({ errorRate: 1 });
    const reasons: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      const { status, body } = await harness.query(QUERY);
      expect(status).toBe(200);
      expect((body.data!.products as { nodes: unknown[] }).nodes).toHaveLength(20);
      reasons.push(body.extensions?.degraded?.[0]?.reason);
    }
    expect(reasons).toEqual(['UPSTREAM_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE', 'CIRCUIT_OPEN']);
    expect(harness.gateway.state.sources.pipelines.reviews.breaker?.state).toBe('OPEN');
  });
});
