import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { metricValue, scrape } from './helpers.js';
import { startHangingUpstream } from './hanging-upstream.js';
import type { HangingUpstream } from './hanging-upstream.js';

/**
 * A client that closes its socket mid-request cancels the upstream calls made for it: the
 * upstream sees its connection closed, the bulkhead slot is free again, and the call counts as
 * `cancelled` (docs/operations.md). Without this, a client that gives up leaves its calls, and the
 * source's bulkhead slots, busy until the source timeout.
 */

/** Long enough that only the client's disconnect, never a timeout, can end the call within the test. */
const LONG_MS = 8_000;
/** How soon the upstream must see its connection closed once the client has left. */
const CANCEL_WITHIN_MS = 2_000;
const PRICE_QUERY = '{ product(id: "p-0001") { id price { amount } } }';

/** A POST /graphql written on a raw socket, left unanswered on purpose: the test destroys the socket. */
async function rawRequest(url: string, query: string): Promise<Socket> {
  const { port } = new URL(url);
  const body = JSON.stringify({ query });
  const socket = connect(Number(port), '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.on('error', () => undefined);
  socket.write(`POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  return socket;
}

let harness: Harness | undefined;
let upstream: HangingUpstream | undefined;
afterEach(async () => {
  harness?.reset();
  await harness?.close();
  await upstream?.close();
  harness = undefined;
  upstream = undefined;
});

async function pricingGauge(h: Harness): Promise<number | undefined> {
  return metricValue(await scrape(h), 'ballast_bulkhead_in_use', { source: 'pricing' });
}

describe('a client that disconnects mid-request', () => {
  it('cancels its upstream call: the upstream sees the close, the bulkhead slot frees, the outcome is cancelled', async () => {
    upstream = await startHangingUpstream();
    harness = await startHarness({
      deadlineMs: LONG_MS + 5_000,
      fieldTimeouts: { 'Product.price': LONG_MS },
      sources: {
        pricing: {
          url: upstream.url, timeoutMs: LONG_MS, attemptTimeoutMs: LONG_MS, maxStaleMs: 0,
          retry: { maxAttempts: 1 }, breaker: { enabled: false }, bulkhead: { maxConcurrent: 1, maxQueue: 0 },
        },
      },
    });
    const h = harness;
    const hanging = upstream;
    hanging.forwardTo = h.service('pricing').url;

    const socket = await rawRequest(h.url, PRICE_QUERY);
    await expect.poll(() => hanging.hung, { timeout: 5_000 }).toBe(1);
    expect(await pricingGauge(h)).toBe(1);

    hanging.markClientGone();
    socket.destroy();

    await expect.poll(() => hanging.closedAfterMs.length, { timeout: CANCEL_WITHIN_MS }).toBe(1);
    expect(hanging.closedAfterMs[0]).toBeLessThan(CANCEL_WITHIN_MS);
    if (process.env.SHOW_TIMING) console.log(`upstream closed ${hanging.closedAfterMs[0]!.toFixed(1)} ms after the client left`);
    await expect.poll(() => pricingGauge(h), { timeout: CANCEL_WITHIN_MS }).toBe(0);
    await expect.poll(async () => metricValue(await scrape(h), 'ballast_upstream_requests_total', { source: 'pricing', outcome: 'cancelled' }), { timeout: CANCEL_WITHIN_MS }).toBe(1);

    // The gateway keeps serving, and the only bulkhead slot (no queue) is free for the next client.
    hanging.hang = false;
    const after = await h.query(PRICE_QUERY);
    expect(after.status).toBe(200);
    expect(after.body).toEqual({ data: { product: { id: 'p-0001', price: { amount: 13598 } } } });
    expect(metricValue(await scrape(h), 'ballast_upstream_requests_total', { source: 'pricing', outcome: 'success' })).toBe(1);
  });
});
