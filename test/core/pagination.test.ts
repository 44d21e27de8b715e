import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PRODUCT_COUNT } from '../../src/demo/data.js';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness.close());

interface Page {
  edges: Array<{ cursor: string; node: { id: string } }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

async function page(first: number, after: string | null): Promise<Page> {
  const { body } = await harness.query(
    `query($first: Int, $after: String) { products(first: $first, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`,
    { first, after },
  );
  expect(body.errors).toBeUndefined();
  return body.data!.products as Page;
}

describe('cursor pagination over the catalog', () => {
  it('visits every product exactly once following endCursor', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 100; guard++) {
      const current: Page = await page(100, after);
      seen.push(...current.edges.map((edge) => edge.node.id));
      if (!current.pageInfo.hasNextPage) break;
      after = current.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(DEMO_PRODUCT_COUNT);
    expect(new Set(seen).size).toBe(DEMO_PRODUCT_COUNT);
  });

  it('resumes after any edge cursor, not only the last', async () => {
    const first = await page(10, null);
    const resumed = await page(5, first.edges[3]!.cursor);
    expect(resumed.edges.map((edge) => edge.node.id)).toEqual(['p-0005', 'p-0006', 'p-0007', 'p-0008', 'p-0009']);
    const again = await page(10, resumed.pageInfo.endCursor);
    expect(again.edges[0]!.node.id).toBe('p-0010');
  });

  it('visits every product exactly once with an odd page size', async () => {
    const seen = new Set<string>();
    let after: string | null = null;
    let count = 0;
    for (let guard = 0; guard < 100; guard++) {
      const current: Page = await page(97, after);
      current.edges.forEach((edge) => seen.add(edge.node.id));
      count += current.edges.length;
      if (!current.pageInfo.hasNextPage) break;
      after = current.pageInfo.endCursor;
    }
    expect(count).toBe(DEMO_PRODUCT_COUNT);
    expect(seen.size).toBe(DEMO_PRODUCT_COUNT);
  });

  it('refuses a cursor it did not issue', async () => {
    const { body } = await harness.query(`{ products(after: "not-a-cursor") { nodes { id } } }`);
    expect(body.errors?.[0]).toMatchObject({ message: 'after is not a cursor returned by this API', extensions: { code: 'BAD_USER_INPUT' } });
  });
});
