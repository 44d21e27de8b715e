import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

// Long enough that the three refused queries after opening (and the CIRCUIT_OPEN after a bad probe) fit
// before it even on a loaded host; the half-open steps poll for it, so it costs their wait only.
const RESET_MS = 1500;
const QUERY = `{ product(id: "p-0001") { name inventory { available status } } }`;
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({
    sources: { inventory: { maxStaleMs: 0, retry: { maxAttempts: 1 }, breaker: { volumeThreshold: 5, errorThresholdPercentage: 50, resetTimeoutMs: RESET_MS } } },
  });
});
afterAll(() => harness.close());

const breaker = () => harness.gateway.state.sources.pipelines.inventory.breaker!;
const inventory = () => harness.service('inventory');
const reason = async (): Promise<string | undefined> => (await harness.query(QUERY)).body.extensions?.degraded?.[0]?.reason;

describe('the inventory breaker, step by step', () => {
  it('opens after the volume threshold of failures, then refuses without calling upstream', async () => {
    inventory().setFault({ errorRate: 1, errorStatus: 500 });
    const reasons: Array<string | undefined> = [];
    for (let i = 0; i < 5; i++) reasons.push(await reason());
    expect(reasons).toEqual(Array(5).fill('UPSTREAM_UNAVAILABLE'));
    expect(breaker().state).toBe('OPEN');

    inventory().resetLog();
    for (let i = 0; i < 3; i++) {
      const { status, body } = await harness.query(QUERY);
      expect(status).toBe(200);
      expect(body.data).toMatchObject({ product: { name: expect.any(String), inventory: { available: null, status: 'UNKNOWN' } } });
      expect(body.extensions?.degraded).toEqual([{ source: 'inventory', reason: 'CIRCUIT_OPEN', fallback: 'DEFAULT', paths: [['product', 'inventory']] }]);
    }
    expect(inventory().requestCount).toBe(0);
  });

  it('half-opens after the reset timeout and reopens on a bad probe', async () => {
    // Half-open comes by itself once the reset timeout has passed: polled, not slept for.
    await expect.poll(() => breaker().state, { timeout: RESET_MS * 5 }).toBe('HALF_OPEN');
    inventory().resetLog();
    expect(await reason()).toBe('UPSTREAM_UNAVAILABLE');
    expect(inventory().requestCount).toBe(1);
    expect(breaker().state).toBe('OPEN');
    expect(await reason()).toBe('CIRCUIT_OPEN');
  });

  it('closes on a good probe', async () => {
    // Half-open comes by itself once the reset timeout has passed: polled, not slept for.
    await expect.poll(() => breaker().state, { timeout: RESET_MS * 5 }).toBe('HALF_OPEN');
    inventory().clearFault();
    const { body } = await harness.query(QUERY);
    expect(body.extensions).toBeUndefined();
    expect(breaker().state).toBe('CLOSED');
  });

  it('does not count 4xx answers as failures', async () => {
    inventory().setFault({ errorRate: 1, errorStatus: 404 });
    for (let i = 0; i < 8; i++) expect(await reason()).toBe('UPSTREAM_BAD_RESPONSE');
    expect(breaker().state).toBe('CLOSED');
    inventory().clearFault();
  });
});
