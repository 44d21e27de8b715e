import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedLoop } from '../../bench/harness/load.js';
import { expectedCart, expectedPage, isCutAtDeadline, reportedDegradation, verifyDegradedPage, verifyExact } from '../../bench/harness/verify.js';

const INVENTORY = { field: 'inventory', source: 'inventory' } as const;
type Node = { id: string; name: string; price: { amount: number; currency: string; formatted: string } | null; inventory: unknown };
const page = (index: number) => structuredClone(expectedPage(index)) as Node[];
const answer = (nodes: unknown[], rest: object = {}) => JSON.stringify({ data: { products: { nodes } }, ...rest });

describe('bench answer checks', () => {
  it('knows the demo data: page 0 starts at p-0001 ($135.98, 22 in stock), page 59 ends at p-1200, carts total their lines', () => {
    expect(page(0)[0]).toEqual({ id: 'p-0001', name: 'Cozy Bamboo Trail Pack', price: { amount: 13598, currency: 'USD', formatted: '$135.98' }, inventory: { available: 22, status: 'IN_STOCK' } });
    expect(page(59).at(-1)!.id).toBe('p-1200');
    expect(page(59)).toHaveLength(20);
    const cart = expectedCart('u-2') as { totalQuantity: number; items: unknown[] };
    expect(cart.items).toHaveLength(10);
    expect(cart.totalQuantity).toBe(20); // quantities 2,3,1 repeating over 10 lines
  });

  it('a healthy answer is exact only with every value right; prices swapped between two products are wrong', () => {
    expect(verifyExact(answer(page(3)), { products: { nodes: page(3) } })).toBe('exact');
    const swapped = page(3);
    [swapped[0]!.price, swapped[1]!.price] = [swapped[1]!.price, swapped[0]!.price];
    expect(verifyExact(answer(swapped), { products: { nodes: page(3) } })).toBe('bad');
    expect(verifyExact(answer(page(4)), { products: { nodes: page(3) } })).toBe('bad');
    expect(verifyExact(answer(page(3).slice(1)), { products: { nodes: page(3) } })).toBe('bad');
  });

  it('a healthy answer with anything degraded or any error is bad, even with the right values', () => {
    const stale = answer(page(0), { extensions: { degraded: [{ source: 'pricing', reason: 'UPSTREAM_UNAVAILABLE', fallback: 'STALE', paths: [['products', 'nodes', 0, 'price']] }] } });
    expect(verifyExact(stale, { products: { nodes: page(0) } })).toBe('bad');
    expect(verifyExact(answer(page(0), { errors: [{ message: 'x' }] }), { products: { nodes: page(0) } })).toBe('bad');
    expect(verifyExact('{"data":', { products: { nodes: page(0) } })).toBe('bad');
  });

  it('a fault scenario accepts its field exact, DEFAULT or null, and nothing else degraded', () => {
    expect(verifyDegradedPage(answer(page(1)), page(1), INVENTORY)).toBe('exact');
    const fallback = page(1).map((node) => ({ ...node, inventory: { available: null, status: 'UNKNOWN' } }));
    expect(verifyDegradedPage(answer(fallback, { extensions: { degraded: [{ source: 'inventory' }] } }), page(1), INVENTORY)).toBe('degraded');
    const nulled = page(1).map((node) => ({ ...node, inventory: null }));
    expect(verifyDegradedPage(answer(nulled, { errors: [{ path: ['products', 'nodes', 0, 'inventory'] }] }), page(1), INVENTORY)).toBe('degraded');

    const priceLost = page(1);
    priceLost[5]!.price = null;
    expect(verifyDegradedPage(answer(priceLost), page(1), INVENTORY)).toBe('bad');
    const wrongStock = page(1);
    wrongStock[2]!.inventory = { available: 999, status: 'IN_STOCK' };
    expect(verifyDegradedPage(answer(wrongStock), page(1), INVENTORY)).toBe('bad');
    expect(verifyDegradedPage(answer(page(1), { extensions: { degraded: [{ source: 'pricing' }] } }), page(1), INVENTORY)).toBe('bad');
    expect(verifyDegradedPage(answer(page(1), { errors: [{ path: ['products', 'nodes', 0, 'price'] }] }), page(1), INVENTORY)).toBe('bad');
    expect(verifyDegradedPage(JSON.stringify({ data: { products: null } }), page(1), INVENTORY)).toBe('bad');
  });

  it('an overloaded healthy answer is "degraded, said so" only when every value is exact, or a fallback of a source the report names', () => {
    const report = (...sources: string[]) => ({ extensions: { degraded: sources.map((source) => ({ source, reason: 'BULKHEAD_FULL', fallback: 'STALE' })) } });
    expect(reportedDegradation(answer(page(2), report('catalog')), page(2))).toBe(true);
    const fallbacks = page(2).map((node, index) => ({ ...node, price: index === 0 ? null : node.price, inventory: index === 1 ? { available: null, status: 'UNKNOWN' } : index === 2 ? null : node.inventory }));
    expect(reportedDegradation(answer(fallbacks, report('pricing', 'inventory')), page(2))).toBe(true);
    expect(reportedDegradation(JSON.stringify({ data: { products: null }, ...report('catalog') }), page(2))).toBe(true);

    expect(reportedDegradation(answer(fallbacks), page(2))).toBe(false); // degraded without saying so
    expect(reportedDegradation(answer(fallbacks, report('inventory')), page(2))).toBe(false); // a null price pricing's report does not name
    expect(reportedDegradation(answer(fallbacks, report('pricing')), page(2))).toBe(false); // inventory's fallbacks, unnamed
    expect(reportedDegradation(JSON.stringify({ data: { products: null }, ...report('pricing') }), page(2))).toBe(false);
    expect(reportedDegradation(answer([null, ...page(2).slice(1)], report('catalog')), page(2))).toBe(false);
    const wrongPrice = page(2);
    wrongPrice[4]!.price!.amount += 1;
    expect(reportedDegradation(answer(wrongPrice, report('catalog', 'pricing')), page(2))).toBe(false);
    const wrongName = page(2);
    wrongName[3]!.name = 'Another';
    expect(reportedDegradation(answer(wrongName, report('catalog')), page(2))).toBe(false);
    expect(reportedDegradation(answer(page(2).slice(1), report('catalog')), page(2))).toBe(false);
    expect(reportedDegradation(answer(page(3), report('catalog')), page(2))).toBe(false);
    expect(reportedDegradation('{"data":', page(2))).toBe(false);
  });

  it('a cut at the deadline is data null with DEADLINE_EXCEEDED, nothing else', () => {
    const cut = { data: null, errors: [{ message: 'deadline', extensions: { code: 'DEADLINE_EXCEEDED' } }] };
    expect(isCutAtDeadline(JSON.stringify(cut))).toBe(true);
    expect(isCutAtDeadline(JSON.stringify({ ...cut, errors: [{ message: 'x', extensions: { code: 'UPSTREAM_TIMEOUT' } }] }))).toBe(false);
    expect(isCutAtDeadline(answer(page(0), { errors: [{ extensions: { code: 'DEADLINE_EXCEEDED' } }] }))).toBe(false);
  });
});

describe('bench load under verification', () => {
  // A real server that answers page 0 right and gets one price wrong on page 1.
  const wrongPage = page(1);
  wrongPage[7]!.price!.amount += 1;
  const bodies = [answer(page(0)), answer(wrongPage)];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end(bodies[Number(Buffer.concat(chunks).toString())]));
  });
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('counts every wrong answer as wrong and only right ones as throughput', async () => {
    const workload = { bodies: ['0', '1'], verify: (index: number, text: string) => verifyExact(text, { products: { nodes: page(index) } }) };
    const result = await closedLoop(url, workload, 0.5, 2);
    expect(result.requests).toBeGreaterThan(10);
    expect(result.exact + result.wrong).toBe(result.requests);
    // Two clients take the bodies in turn, so the halves differ by at most the requests in flight.
    expect(Math.abs(result.exact - result.wrong)).toBeLessThanOrEqual(2);
    expect(result.requestsPerSecond * 0.5).toBeLessThan(result.exact + 1);
    expect(result.errors + result.non2xx).toBe(0);
    // Without a `reported` check no bad answer counts as degraded-and-said-so.
    expect(result.reported).toBe(0);
  });

  it("counts as 'reported' only the bad answers the workload's own check says were degraded and said so", async () => {
    const workload = {
      bodies: ['0', '1'],
      verify: (index: number, text: string) => verifyExact(text, { products: { nodes: page(index) } }),
      // A stand-in check that calls the wrong page's answer reported: each such bad answer must count once.
      reported: (index: number) => index === 1,
    };
    const result = await closedLoop(url, workload, 0.5, 2);
    expect(result.wrong).toBeGreaterThan(3);
    expect(result.reported).toBe(result.wrong);
    expect(result.exact + result.wrong).toBe(result.requests);
  });
});
