import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { P1_NAME, P1_QUERY, rawConnect, trickle } from './raw-socket.js';

/**
 * Slow and idle clients against a real Ballast with short limits: each is cut off within its
 * configured bound (+ Node's check interval, a quarter of it, + slack), while normal queries
 * keep answering.
 */
const HEADERS_TIMEOUT_MS = 1000;
const REQUEST_TIMEOUT_MS = 1500;
const KEEP_ALIVE_TIMEOUT_MS = 500;
const IDLE_TIMEOUT_MS = 3000;
const SLACK_MS = 700;

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({
    server: { headersTimeoutMs: HEADERS_TIMEOUT_MS, requestTimeoutMs: REQUEST_TIMEOUT_MS, keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS, idleTimeoutMs: IDLE_TIMEOUT_MS },
  });
});
afterAll(() => harness.close());

async function expectNormalQueryAnswers(): Promise<void> {
  const response = await harness.query(P1_QUERY);
  expect(response.status).toBe(200);
  expect(response.body).toEqual({ data: { product: { id: 'p-0001', name: P1_NAME } } });
}

describe('slow and idle clients', () => {
  it('cuts a slowloris (one header byte every 200 ms) with 408 within headersTimeoutMs', async () => {
    const client = await rawConnect(harness.url);
    client.socket.write('POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    trickle(client.socket, `X-Padding: ${'a'.repeat(200)}\r\n`, 200);
    await expectNormalQueryAnswers();
    const closedAfterMs = await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(closedAfterMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
    expect(closedAfterMs).toBeLessThan(HEADERS_TIMEOUT_MS * 1.25 + SLACK_MS);
    await expectNormalQueryAnswers();
  });

  it('cuts a slow body (Content-Length 1000, one byte every 200 ms) with 408 within requestTimeoutMs', async () => {
    const client = await rawConnect(harness.url);
    client.socket.write('POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nx-graphql-yoga-csrf: 1\r\nContent-Length: 1000\r\n\r\n');
    trickle(client.socket, '{"query":"{ __typename }"}'.padEnd(1000, ' '), 200);
    await expectNormalQueryAnswers();
    const closedAfterMs = await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(closedAfterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
    expect(closedAfterMs).toBeLessThan(REQUEST_TIMEOUT_MS + HEADERS_TIMEOUT_MS / 4 + SLACK_MS);
    await expectNormalQueryAnswers();
  });

  it('closes a connection that sends nothing with 408 within headersTimeoutMs', async () => {
    const client = await rawConnect(harness.url);
    const closedAfterMs = await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(closedAfterMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
    expect(closedAfterMs).toBeLessThan(HEADERS_TIMEOUT_MS * 1.25 + SLACK_MS);
    await expectNormalQueryAnswers();
  });

  it('closes an idle keep-alive connection after keepAliveTimeoutMs', async () => {
    const client = await rawConnect(harness.url);
    const body = JSON.stringify({ query: P1_QUERY });
    client.socket.write(`POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    const answered = await new Promise<number>((resolve) => client.socket.once('data', () => resolve(performance.now())));
    const closedAfterMs = await client.closed;
    const idleMs = performance.now() - answered;
    expect(client.received()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(idleMs).toBeGreaterThanOrEqual(KEEP_ALIVE_TIMEOUT_MS - 50);
    // Node keeps the socket ~1 s past keepAliveTimeout, so a client honouring Keep-Alive closes first.
    expect(idleMs).toBeLessThan(KEEP_ALIVE_TIMEOUT_MS + 1000 + SLACK_MS);
    expect(client.received()).toContain(P1_NAME);
    expect(closedAfterMs).toBeLessThan(IDLE_TIMEOUT_MS);
  });

  it('refuses 20 KiB of headers with 431 at once and keeps serving', async () => {
    const client = await rawConnect(harness.url);
    client.socket.write(`GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'b'.repeat(20 * 1024)}\r\n\r\n`);
    const closedAfterMs = await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(closedAfterMs).toBeLessThan(SLACK_MS);
    await expectNormalQueryAnswers();
  });
});

describe('server timeouts in the config', () => {
  it('refuses a headers timeout longer than the request timeout', () => {
    expect(() => resolveConfig({ server: { headersTimeoutMs: 20_000, requestTimeoutMs: 15_000 } })).toThrow(
      'config: server.headersTimeoutMs = 20000: headersTimeoutMs must not exceed requestTimeoutMs',
    );
  });
});

