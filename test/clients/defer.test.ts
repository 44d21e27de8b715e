import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { measureStolenTime } from '../helpers/stolen-time.js';

/** Incremental delivery over multipart/mixed, read part by part as a browser would. */
let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ fieldTimeouts: { 'Product.inventory': 2000 }, sources: { inventory: { timeoutMs: 1500, attemptTimeoutMs: 1500 } } });
});
afterAll(() => harness.close());
// Faults are cleared after every test, even a failing one, so one failure cannot cascade.
afterEach(() => harness.reset());

interface Part {
  atMs: number;
  /** Of atMs, how long a loaded runner kept this process off the CPU (test/helpers/stolen-time.ts). */
  stolenMs: number;
  body: { data?: unknown; incremental?: Array<{ data: unknown; path: unknown[] }>; hasNext: boolean; extensions?: { degraded?: unknown[] } };
}

async function parts(query: string): Promise<Part[]> {
  const stolen = measureStolenTime();
  const started = performance.now();
  const response = await fetch(`${harness.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'multipart/mixed' }, body: JSON.stringify({ query }) });
  expect(response.headers.get('content-type')).toMatch(/^multipart\/mixed/);
  const received: Part[] = [];
  let buffer = '';
  const decoder = new TextDecoder();
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let end = buffer.indexOf('\r\n---'); end >= 0; end = buffer.indexOf('\r\n---')) {
      const section = buffer.slice(0, end);
      buffer = buffer.slice(end + 5);
      const json = section.slice(section.indexOf('\r\n\r\n') + 4);
      if (section.includes('Content-Type')) received.push({ atMs: performance.now() - started, stolenMs: stolen.ms(), body: JSON.parse(json) as Part['body'] });
    }
  }
  return received;
}

describe('@defer', () => {
  it('delivers catalog data first and slow (900 ms) inventory later, in that order', async () => {
    harness.service('inventory').setFault({ latencyMs: 900 });
    const [first, second, ...rest] = await parts(`{ products(first: 3) { nodes { id name ... @defer { inventory { status } } } } }`);
    expect(rest).toEqual([]);
    expect(first!.body).toMatchObject({ data: { products: { nodes: [{ id: 'p-0001' }, { id: 'p-0002' }, { id: 'p-0003' }] } }, hasNext: true });
    // Plus the time a loaded runner kept this process off the CPU (1,007 and 1,091 ms on a pinned, shared core).
    expect(first!.atMs).toBeLessThan(500 + first!.stolenMs);
    expect(second!.atMs).toBeGreaterThanOrEqual(800);
    expect(second!.body.hasNext).toBe(false);
    expect(second!.body.incremental?.map((part) => part.data)).toEqual(Array(3).fill({ inventory: { status: expect.any(String) } }));
  });

  it('reports degradation inside the deferred payload that degraded', async () => {
    harness.service('pricing').setFault({ errorRate: 1 });
    const [first, second] = await parts(`{ products(first: 2) { nodes { id ... @defer { price { amount } } } } }`);
    expect(first!.body.extensions).toBeUndefined();
    expect(second!.body.extensions?.degraded).toEqual([
      { source: 'pricing', reason: 'UPSTREAM_UNAVAILABLE', fallback: 'NULL', paths: [['products', 'nodes', 0, 'price'], ['products', 'nodes', 1, 'price']] },
    ]);
  });

  it('streams list items with @stream', async () => {
    const received = await parts(`{ products(first: 3) { nodes @stream(initialCount: 1) { id } } }`);
    expect(received[0]!.body).toMatchObject({ data: { products: { nodes: [{ id: 'p-0001' }] } }, hasNext: true });
    const streamed = received.slice(1).flatMap((part) => part.body.incremental ?? []);
    expect(streamed.flatMap((part) => (part as { items?: unknown[] }).items ?? [])).toEqual([{ id: 'p-0002' }, { id: 'p-0003' }]);
  });
});
