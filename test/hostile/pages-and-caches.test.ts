import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDemoData } from '../../src/demo/data.js';
import { StaleCache } from '../../src/degradation/stale-cache.js';
import { postQuery, startHarness } from '../helpers/harness.js';
import type { GraphQLResponse, Harness } from '../helpers/harness.js';
import { startBallastProcess } from '../helpers/process.js';
import type { BallastProcess } from '../helpers/process.js';

/**
 * A client-made cursor must cost no more than one page, and no cache may grow with what clients
 * send: cursors are signed, the catalog is asked for one page per request, caches are bounded in bytes.
 */
const DEMO_IDS = createDemoData().products.map((product) => product.id);
const PAGE = `query($first: Int, $after: String) { products(first: $first, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`;
const NOT_OURS = { message: 'after is not a cursor returned by this API', extensions: { code: 'BAD_USER_INPUT' } };

interface Page {
  edges: Array<{ cursor: string; node: { id: string } }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

function pageOf(response: GraphQLResponse): Page {
  expect(response.body.errors).toBeUndefined();
  return response.body.data!.products as Page;
}

/** The `limit` of every page request the catalog saw (batch lookups by id have none). */
function catalogLimits(harness: Harness): number[] {
  return harness
    .service('catalog')
    .requests.map((request) => new URL(request.url, 'http://catalog').searchParams.get('limit'))
    .filter((limit): limit is string => limit !== null)
    .map(Number);
}

describe('cursors and pages', () => {
  let harness: Harness;
  beforeAll(async () => {
    const patient = { timeoutMs: 5000, attemptTimeoutMs: 5000, retry: { maxAttempts: 1 } };
    harness = await startHarness({ deadlineMs: 8000, sources: { catalog: patient } });
  });
  afterAll(() => harness.close());
  beforeEach(() => harness.reset());

  it('refuses forged, unsigned, tampered and oversized cursors with BAD_USER_INPUT, then keeps serving', async () => {
    const valid = pageOf(await harness.query(PAGE, { first: 5 })).edges[2]!.cursor;
    const raw = Buffer.from(valid, 'base64url');
    raw[raw.length - 3] = raw[raw.length - 3]! ^ 1;
    const forged = [
      Buffer.from(JSON.stringify([null, 9999])).toString('base64url'), // the old, unsigned format
      Buffer.from(JSON.stringify([Buffer.from('600').toString('base64url'), 0])).toString('base64url'),
      raw.toString('base64url'), // a real cursor with one bit flipped
      valid.slice(0, -2),
      'A'.repeat(100_000),
      '',
    ];
    harness.reset();
    for (const after of forged) {
      const { status, body } = await harness.query(PAGE, { first: 5, after });
      expect(status).toBe(200);
      expect(body.data).toEqual({ products: null });
      expect(body.errors).toEqual([expect.objectContaining(NOT_OURS)]);
    }
    expect(harness.service('catalog').requestCount).toBe(0);
    const after = pageOf(await harness.query(PAGE, { first: 2, after: valid }));
    expect(after.edges.map((edge) => edge.node.id)).toEqual(['p-0004', 'p-0005']);
  });

  it('pages through the whole catalog with first=7 by endCursor: every product once, in order, never asking for more than 7', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 200; guard++) {
      const current = pageOf(await harness.query(PAGE, { first: 7, after }));
      seen.push(...current.edges.map((edge) => edge.node.id));
      if (!current.pageInfo.hasNextPage) break;
      after = current.pageInfo.endCursor;
    }
    expect(seen).toEqual(DEMO_IDS);
    const limits = catalogLimits(harness);
    expect(limits).toHaveLength(Math.ceil(DEMO_IDS.length / 7));
    expect(limits.every((limit) => limit === 7)).toBe(true);
  });

  it('resumes after a mid-page edge with a full page, asking the catalog for at most first items per request', async () => {
    const first = pageOf(await harness.query(PAGE, { first: 7 }));
    const resumed = pageOf(await harness.query(PAGE, { first: 7, after: first.edges[3]!.cursor }));
    expect(resumed.edges.map((edge) => edge.node.id)).toEqual(DEMO_IDS.slice(4, 11));
    const next = pageOf(await harness.query(PAGE, { first: 7, after: resumed.edges[5]!.cursor }));
    expect(next.edges.map((edge) => edge.node.id)).toEqual(DEMO_IDS.slice(10, 17));
    const last = pageOf(await harness.query(PAGE, { first: 7, after: next.pageInfo.endCursor }));
    expect(last.edges.map((edge) => edge.node.id)).toEqual(DEMO_IDS.slice(17, 24));
    // The first page, then a hop of 4 and a page of 7, a hop of 6 and a page of 7, then a page of 7.
    expect(catalogLimits(harness)).toEqual([7, 4, 7, 6, 7, 7]);
  });
});

describe('catalog down is not an empty catalog', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ sources: { catalog: { retry: { maxAttempts: 1 }, breaker: { enabled: false } } } });
  });
  afterAll(() => harness.close());
  beforeEach(() => harness.reset());

  it('answers a page it never saw as null with a coded catalog error, and one it saw from STALE', async () => {
    const seen = pageOf(await harness.query(PAGE, { first: 3 }));
    harness.service('catalog').setFault({ errorRate: 1, errorStatus: 503 });

    const stale = await harness.query(PAGE, { first: 3 });
    expect(stale.body.errors).toBeUndefined();
    expect(stale.body.data).toEqual({ products: seen });
    expect(stale.body.extensions?.degraded).toEqual([{ source: 'catalog', reason: 'UPSTREAM_UNAVAILABLE', fallback: 'STALE', paths: [['products']], staleAgeMs: expect.any(Number) }]);

    const unseen = await harness.query(PAGE, { first: 4 });
    expect(unseen.status).toBe(200);
    expect(unseen.body.data).toEqual({ products: null });
    expect(unseen.body.errors).toEqual([expect.objectContaining({ path: ['products'], extensions: { code: 'UPSTREAM_UNAVAILABLE', source: 'catalog' } })]);
    expect(unseen.body.extensions?.degraded).toEqual([{ source: 'catalog', reason: 'UPSTREAM_UNAVAILABLE', fallback: 'NULL', paths: [['products']] }]);
  });
});

describe('caches bounded in bytes', () => {
  it('keeps a stale cache under maxBytes however many large values arrive, the newest kept', () => {
    const cache = new StaleCache<{ text: string }>({ maxStaleMs: 60_000, maxEntries: 10_000, maxBytes: 100_000 });
    for (let index = 0; index < 1000; index++) cache.set(`page-${index}`, { text: 'x'.repeat(5_000) });
    expect(cache.bytes).toBeLessThanOrEqual(100_000);
    expect(cache.size).toBe(9); // 128 + 2 × (8 + 5,013) bytes each
    expect(cache.get('page-999')?.value.text).toHaveLength(5_000);
    expect(cache.get('page-0')).toBeUndefined();
  });
});

function rssKiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match![1]);
}

/** Runs `tasks` with at most `width` at a time. */
async function inParallel<T>(items: readonly T[], width: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await task(items[next++]!);
  }));
}

describe('memory under 3,000 distinct cursors', () => {
  let ballast: BallastProcess;
  beforeAll(async () => {
    ballast = await startBallastProcess({ env: { BALLAST_WORKERS: '1', BALLAST__deadlineMs: '8000' } });
  });
  afterAll(() => ballast.kill());

  it('stays within a bounded RSS and keeps serving', { timeout: 120_000 }, async () => {
    const query = (first: number, after: string | null) => postQuery(ballast.url, `query($first: Int, $after: String) { products(first: $first, after: $after) { edges { cursor node { id name description category } } pageInfo { endCursor } } }`, { first, after });
    // Every edge cursor of the whole catalog, from pages of 100: 1,200 valid, distinct cursors.
    const valid: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 12; guard++) {
      const page = pageOf(await query(100, after));
      valid.push(...page.edges.map((edge) => edge.cursor));
      after = page.pageInfo.endCursor;
    }
    expect(new Set(valid).size).toBe(DEMO_IDS.length);
    const before = rssKiB(ballast.process.pid!);
    const forged = Array.from({ length: 1800 }, (_, index) => Buffer.from(JSON.stringify([null, index + 100])).toString('base64url'));
    let refused = 0;
    let served = 0;
    const flood = (cursor: string) => postQuery(ballast.url, `query($after: String) { products(first: 100, after: $after) { nodes { id name description } } }`, { after: cursor });
    await inParallel([...valid, ...forged], 8, async (cursor) => {
      const { body } = await flood(cursor);
      if (body.errors?.[0]?.message === NOT_OURS.message) refused += 1;
      else if (body.data?.products) served += 1;
    });
    const afterRss = rssKiB(ballast.process.pid!);
    console.log(`RSS before ${Math.round(before / 1024)} MiB, after 3,000 cursors ${Math.round(afterRss / 1024)} MiB`);
    expect(refused).toBe(1800);
    expect(served).toBe(1200);
    expect(afterRss - before).toBeLessThan(160 * 1024);
    const still = pageOf(await query(3, null));
    expect(still.edges.map((edge) => edge.node.id)).toEqual(DEMO_IDS.slice(0, 3));
  });
});
