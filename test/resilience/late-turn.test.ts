import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { connect, createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { UpstreamTimeoutError } from '../../src/errors.js';
import { UpstreamClient } from '../../src/http/upstream-client.js';
import { SharedTimer } from '../../src/loads/shared-timer.js';
import { Deadline } from '../../src/resilience/deadline.js';
import { ResiliencePipeline } from '../../src/resilience/pipeline.js';
import type { CallOutcome, CallScope } from '../../src/resilience/pipeline.js';
import type { SourcePolicy } from '../../src/resilience/policy.js';
import { blockFor } from '../helpers/timers.js';

/**
 * A timeout is the upstream's slowness, never Ballast's own: when a long turn of the event loop
 * (a busy process) outlasts a call's time limit while the upstream's answer has already arrived,
 * the answer is read and kept, not thrown away as UPSTREAM_TIMEOUT (nor its connection closed).
 * Node runs due timers before it reads ready sockets, so each limit is judged after the next poll
 * phase (src/resilience/timeout.ts, src/loads/shared-timer.ts). The upstream here answers at once
 * and then blocks the loop, in this same process, for longer than the limit.
 */
const LIMIT_MS = 40;
const BLOCK_MS = 150;
const PRICES = [{ productId: 'p-1', amount: 1299, currency: 'USD' }];


let server: Server;
let baseUrl: URL;
/** Set per test: the upstream answers, then keeps the loop busy this long. */
let blockAfterAnswerMs = 0;
let requests = 0;
beforeAll(async () => {
  server = createServer((_request, response) => {
    requests++;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items: PRICES }));
    blockFor(blockAfterAnswerMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function policy(timeoutMs: number, attemptTimeoutMs: number): SourcePolicy {
  const base = resolveConfig({}).sources.pricing;
  return { ...base, timeoutMs, attemptTimeoutMs, retry: { ...base.retry, maxAttempts: 1 }, breaker: { ...base.breaker, enabled: false } };
}

const scope = (): CallScope => ({ deadline: new Deadline(10_000), headers: () => ({}), onFinish: () => () => undefined });

async function callOnce(timeoutMs: number, attemptTimeoutMs: number): Promise<{ answer: unknown; outcomes: CallOutcome[] }> {
  const outcomes: CallOutcome[] = [];
  const client = new UpstreamClient();
  const pipeline = new ResiliencePipeline('pricing', baseUrl, policy(timeoutMs, attemptTimeoutMs), client, [{ callEnded: (_source, outcome) => outcomes.push(outcome) }]);
  // A first call, with limits no busy CI host reaches, opens the connection the measured one then finds ready.
  const warm = new ResiliencePipeline('pricing', baseUrl, policy(5_000, 5_000), client);
  try {
    blockAfterAnswerMs = 0;
    await warm.call({ method: 'GET', path: '/prices?ids=p-1', idempotent: true, parse: ({ body }) => body }, scope());
    blockAfterAnswerMs = BLOCK_MS;
    const answer = await pipeline.call({ method: 'GET', path: '/prices?ids=p-1', idempotent: true, parse: ({ body }) => body }, scope()).catch((error: unknown) => error);
    return { answer, outcomes };
  } finally {
    pipeline.shutdown();
    warm.shutdown();
    await client.close();
  }
}

describe('a call whose answer arrived during a long turn of the loop', () => {
  it('is answered, not timed out, when the attempt limit passed during the turn', async () => {
    requests = 0;
    const { answer, outcomes } = await callOnce(5_000, LIMIT_MS);
    expect(answer).toEqual({ items: PRICES });
    expect(outcomes).toEqual(['success']);
    expect(requests).toBe(2);
  });

  it('is answered when the whole call budget passed during the turn', async () => {
    const { answer, outcomes } = await callOnce(LIMIT_MS, LIMIT_MS);
    expect(answer).toEqual({ items: PRICES });
    expect(outcomes).toEqual(['success']);
  });

  it('an upstream that has not answered still times out at its limit', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const client = new UpstreamClient();
    const url = new URL(`http://127.0.0.1:${(silent.address() as AddressInfo).port}`);
    const pipeline = new ResiliencePipeline('pricing', url, policy(5_000, LIMIT_MS), client);
    const started = performance.now();
    const error = await pipeline.call({ method: 'GET', path: '/prices?ids=p-1', idempotent: true, parse: ({ body }) => body }, scope()).catch((reason: unknown) => reason);
    const tookMs = performance.now() - started;
    expect(error).toBeInstanceOf(UpstreamTimeoutError);
    expect((error as UpstreamTimeoutError).message).toBe(`pricing attempt timed out after ${LIMIT_MS} ms`);
    expect(tookMs).toBeGreaterThanOrEqual(LIMIT_MS - 1);
    expect(tookMs).toBeLessThan(LIMIT_MS + 1_000);
    pipeline.shutdown();
    await client.close();
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  });
});

describe("a field's shared timer", () => {
  it('lets a value that arrived during a long turn through, though the timer was due before it was read', async () => {
    // The value arrives on a socket: written by a server in this process that then keeps the loop busy past the timer.
    const upstream = createNetServer((connection) => {
      connection.end('value');
      blockFor(BLOCK_MS);
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const timer = new SharedTimer(LIMIT_MS, () => new Error('field timed out'));
    const value = new Promise<string>((resolve) => connect((upstream.address() as AddressInfo).port, '127.0.0.1').once('data', (data: Buffer) => resolve(data.toString())));
    const raced = timer.race(value);
    expect(await raced).toBe('value');
    timer.dispose();
    await new Promise((resolve) => upstream.close(resolve));
  });

  it('still rejects a field whose value never came, with its reason', async () => {
    const timer = new SharedTimer(LIMIT_MS, () => new Error('field timed out'));
    await expect(timer.race(new Promise(() => undefined))).rejects.toThrow('field timed out');
    timer.dispose();
  });
});
