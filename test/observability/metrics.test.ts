import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

const QUERY = `query Product { product(id: "p-0001") { name inventory { status } } }`;
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({
    sources: { inventory: { maxStaleMs: 0, retry: { maxAttempts: 1 }, breaker: { volumeThreshold: 4, errorThresholdPercentage: 50, resetTimeoutMs: 300 } } },
  });
});
afterAll(() => harness.close());

async function scrape(): Promise<string> {
  const response = await fetch(`${harness.url}/metrics`);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return response.text();
}

/** The value of one sample line, e.g. `metric('ballast_breaker_state', { source: 'inventory' })`. */
function metric(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const labelText = line.slice(name.length + 1, line.indexOf('}'));
    const present = labelText.split(',');
    if (wanted.every((label) => present.includes(label)) && present.length === wanted.length) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('a scripted outage, read back from /metrics', () => {
  it('counts every call, transition, fallback and request exactly', async () => {
    for (let i = 0; i < 3; i++) await harness.query(QUERY);
    expect(metric(await scrape(), 'ballast_breaker_state', { source: 'inventory' })).toBe(0);

    harness.service('inventory').setFault({ errorRate: 1, errorStatus: 500 });
    // 3 successes then failures: 4th failure makes 4/7 = 57% > 50% with 7 calls >= volume threshold 4.
    for (let i = 0; i < 4; i++) await harness.query(QUERY);
    expect(metric(await scrape(), 'ballast_breaker_state', { source: 'inventory' })).toBe(2);
    for (let i = 0; i < 2; i++) await harness.query(QUERY);

    // Half-open once the reset timeout has passed: polled, not slept for.
    await expect.poll(async () => metric(await scrape(), 'ballast_breaker_state', { source: 'inventory' })).toBe(1);
    harness.service('inventory').clearFault();
    await harness.query(QUERY);

    const text = await scrape();
    const expected: Array<[string, Record<string, string>, number]> = [
      ['ballast_upstream_requests_total', { source: 'inventory', outcome: 'success' }, 4],
      ['ballast_upstream_requests_total', { source: 'inventory', outcome: 'error' }, 4],
      ['ballast_upstream_requests_total', { source: 'inventory', outcome: 'circuit_open' }, 2],
      ['ballast_upstream_requests_total', { source: 'catalog', outcome: 'success' }, 10],
      ['ballast_upstream_request_duration_seconds_count', { source: 'inventory', outcome: 'error' }, 4],
      ['ballast_breaker_transitions_total', { source: 'inventory', state: 'open' }, 1],
      ['ballast_breaker_transitions_total', { source: 'inventory', state: 'half_open' }, 1],
      ['ballast_breaker_transitions_total', { source: 'inventory', state: 'closed' }, 1],
      ['ballast_breaker_state', { source: 'inventory' }, 0],
      ['ballast_breaker_state', { source: 'catalog' }, 0],
      ['ballast_degraded_fields_total', { source: 'inventory', reason: 'UPSTREAM_UNAVAILABLE', fallback: 'DEFAULT' }, 4],
      ['ballast_degraded_fields_total', { source: 'inventory', reason: 'CIRCUIT_OPEN', fallback: 'DEFAULT' }, 2],
      ['ballast_graphql_requests_total', { operation: 'Product', result: 'ok' }, 4],
      ['ballast_graphql_requests_total', { operation: 'Product', result: 'partial' }, 6],
      ['ballast_graphql_request_duration_seconds_count', { operation: 'Product', result: 'partial' }, 6],
      ['ballast_bulkhead_in_use', { source: 'inventory' }, 0],
    ];
    for (const [name, labels, value] of expected) expect(metric(text, name, labels), `${name} ${JSON.stringify(labels)}`).toBe(value);
    expect(metric(text, 'ballast_upstream_retries_total', { source: 'inventory' }) ?? 0).toBe(0);
    expect(metric(text, 'ballast_stale_cache_hits_total', { source: 'inventory' }) ?? 0).toBe(0);
  });

  it('counts retries, budget exhaustion and stale hits', async () => {
    const other = await startHarness({ sources: { pricing: { retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2, budgetRatio: 0, budgetMinPerSecond: 0.2 } } } });
    try {
      await other.query(`{ product(id: "p-0002") { price { amount } } }`);
      other.service('pricing').setFault({ errorRate: 1 });
      await other.query(`{ product(id: "p-0002") { price { amount } } }`);
      await other.query(`{ product(id: "p-0002") { price { amount } } }`);
      const text = await (await fetch(`${other.url}/metrics`)).text();
      // Budget floor: 0.2/s over 10 s = 2 retries; the third retry is refused.
      expect(metric(text, 'ballast_upstream_retries_total', { source: 'pricing' })).toBe(2);
      expect(metric(text, 'ballast_upstream_retry_budget_exhausted_total', { source: 'pricing' })).toBe(1);
      expect(metric(text, 'ballast_stale_cache_hits_total', { source: 'pricing' })).toBe(2);
    } finally {
      await other.close();
    }
  });

  it('documents every metric it exposes in docs/operations.md', async () => {
    const { readFileSync } = await import('node:fs');
    const doc = readFileSync('docs/operations.md', 'utf8');
    const names = new Set([...(await scrape()).matchAll(/^# HELP (ballast_\w+)/gm)].map((match) => match[1]!));
    const ours = [...names].filter((name) => !name.startsWith('ballast_process_') && !name.startsWith('ballast_nodejs_'));
    expect(ours.length).toBeGreaterThan(10);
    for (const name of ours) expect(doc, name).toContain(`\`${name}\``);
  });
});
