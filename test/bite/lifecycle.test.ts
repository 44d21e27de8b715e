import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/** Log suppression counts, graceful drain and degradation inside @stream, each for real. */
let harness: Harness | undefined;
let closed = false;
afterEach(async () => {
  harness?.reset();
  if (harness && !closed) await harness.close();
  else await harness?.demo.close();
  harness = undefined;
  closed = false;
});

/** JSON log lines a real pino logger wrote. */
function capturingLogger(): { lines: Array<Record<string, unknown>>; logger: ReturnType<typeof createLogger> } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger('warn', destination) };
}

const noRetryNoStale = { sources: { pricing: { maxStaleMs: 0, retry: { maxAttempts: 1 }, breaker: { enabled: false } } } };

describe('rate-limited warnings', () => {
  it('"fields degraded" is written once per interval, and the next line says exactly how many were held back', async () => {
    const { lines, logger } = capturingLogger();
    harness = await startHarness(noRetryNoStale, { logger, warningIntervalMs: 400 });
    harness.service('pricing').setFault({ errorRate: 1, errorStatus: 503 });
    const degradedLines = (): Array<Record<string, unknown>> => lines.filter((line) => line.msg === 'fields degraded');
    let requests = 0;
    const degradedRequest = async (): Promise<void> => {
      const { body } = await harness!.query(`{ product(id: "p-0001") { price { amount } } }`);
      expect(body.extensions?.degraded?.[0]?.reason).toBe('UPSTREAM_UNAVAILABLE');
      requests += 1;
    };
    await degradedRequest();
    await expect.poll(() => degradedLines().length).toBe(1);
    expect(degradedLines()[0]).toMatchObject({ level: 40, source: 'pricing', reason: 'UPSTREAM_UNAVAILABLE', fallback: 'NULL', suppressed: 0 });
    // Keep failing until the interval lets a second line through (bounded: ~400 ms of requests).
    await expect.poll(async () => {
      await degradedRequest();
      return degradedLines().length;
    }, { timeout: 5000, interval: 20 }).toBe(2);
    // Every request between the first and the one that wrote the second line was held back.
    expect(degradedLines()[1]).toMatchObject({ source: 'pricing', suppressed: requests - 2 });
    expect(requests - 2).toBeGreaterThan(0);
  });
});

describe('graceful drain', () => {
  it('a request in flight when close() starts finishes with its full answer; new connections are refused', async () => {
    harness = await startHarness();
    // Slower than a moment, faster than pricing's 450 ms attempt timeout.
    harness.service('pricing').setFault({ latencyMs: 300 });
    const inFlight = harness.query(`{ product(id: "p-0001") { id price { amount } } }`);
    await expect.poll(() => harness!.service('pricing').requestCount).toBe(1);
    const closing = harness.gateway.close({ graceMs: 5000 });
    closed = true;
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ data: { product: { id: 'p-0001', price: { amount: 13598 } } } });
    await closing;
    await expect(fetch(`${harness.url}/health`)).rejects.toThrow();
  });
});

describe('degradation inside @stream payloads', () => {
  it('every failed price of a streamed list is reported in extensions.degraded exactly once, and each streamed item has its errors[] entry', async () => {
    harness = await startHarness(noRetryNoStale);
    harness.service('pricing').setFault({ errorRate: 1, errorStatus: 503 });
    const response = await fetch(`${harness.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed' },
      body: JSON.stringify({ query: `{ products(first: 3) { nodes @stream(initialCount: 1) { id price { amount } } } }` }),
    });
    const text = await response.text();
    const payloads = text.split('\r\n---').filter((section) => section.includes('Content-Type')).map((section) => JSON.parse(section.slice(section.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>);
    const degradedPaths = payloads.flatMap((payload) => ((payload.extensions as { degraded?: Array<{ paths: unknown[] }> } | undefined)?.degraded ?? []).flatMap((entry) => entry.paths));
    const paths = [0, 1, 2].map((index) => ['products', 'nodes', index, 'price']);
    // Prices of the whole list are loaded together, so their one failure is reported with the first payload.
    expect(degradedPaths).toEqual(paths);
    expect((payloads[0]!.extensions as { degraded: unknown[] }).degraded).toEqual([{ source: 'pricing', reason: 'UPSTREAM_UNAVAILABLE', fallback: 'NULL', paths }]);
    const streamed = payloads.slice(1).flatMap((payload) => (payload.incremental as Array<{ items: unknown[]; errors: Array<{ path: unknown[]; extensions: unknown }> }>) ?? []);
    expect(streamed.map((part) => part.items)).toEqual([[{ id: 'p-0002', price: null }], [{ id: 'p-0003', price: null }]]);
    expect(streamed.map((part) => part.errors.map((error) => [error.path, error.extensions]))).toEqual([
      [[paths[1], { code: 'UPSTREAM_UNAVAILABLE', source: 'pricing' }]],
      [[paths[2], { code: 'UPSTREAM_UNAVAILABLE', source: 'pricing' }]],
    ]);
    expect(payloads.at(-1)!.hasNext).toBe(false);
  });
});
