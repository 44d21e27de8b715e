import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** A pino destination that keeps every line, parsed. */
function captureLogs(): { lines: Array<Record<string, unknown>>; stream: Writable } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

const QUERY = `query Shelf { product(id: "p-0003") { name inventory { status } } }`;

describe('logs', () => {
  it('writes one line per request with its fields, and one per breaker transition', async () => {
    const logs = captureLogs();
    harness = await startHarness(
      { sources: { inventory: { retry: { maxAttempts: 1 }, breaker: { volumeThreshold: 2, resetTimeoutMs: 60_000 } } } },
      { logger: createLogger('info', logs.stream) },
    );
    await harness.query(QUERY, undefined, { 'x-request-id': 'req-42' });
    harness.service('inventory').setFault({ errorRate: 1 });
    await harness.query(QUERY);
    await harness.query(QUERY);

    const requests = logs.lines.filter((line) => line.msg === 'graphql request');
    expect(requests).toHaveLength(3);
    expect(requests[0]).toMatchObject({ requestId: 'req-42', operation: 'Shelf', result: 'ok', status: 200, degradedSources: [] });
    expect(requests[0]!.durationMs).toEqual(expect.any(Number));
    expect(requests[1]).toMatchObject({ operation: 'Shelf', result: 'partial', status: 200, degradedSources: ['inventory'] });
    expect(logs.lines.filter((line) => line.msg === 'breaker transition')).toEqual([expect.objectContaining({ source: 'inventory', state: 'OPEN', level: 40 })]);
  });

  it('emits a bounded number of fallback warnings for 1,000 degraded requests', async () => {
    const logs = captureLogs();
    harness = await startHarness({ sources: { inventory: { maxStaleMs: 0, retry: { maxAttempts: 1 } } } }, { logger: createLogger('warn', logs.stream) });
    harness.service('inventory').setFault({ errorRate: 1 });
    for (let batch = 0; batch < 50; batch++) await Promise.all(Array.from({ length: 20 }, () => harness!.query(QUERY)));
    const warnings = logs.lines.filter((line) => line.msg === 'fields degraded');
    // One line per (source, reason, fallback) per 10 s, whatever mix of reasons a loaded host gives
    // (unavailable then circuit open on a quiet one): a second line of a key comes 10 s after its first.
    expect(warnings.filter((line) => line.reason === 'UPSTREAM_UNAVAILABLE' && line.fallback === 'DEFAULT').length).toBeGreaterThanOrEqual(1);
    const timesByKey = new Map<string, number[]>();
    for (const line of warnings) {
      const key = `${String(line.source)}:${String(line.reason)}:${String(line.fallback)}`;
      timesByKey.set(key, [...(timesByKey.get(key) ?? []), Date.parse(line.time as string)]);
    }
    for (const times of timesByKey.values()) {
      for (let index = 1; index < times.length; index++) expect(times[index]! - times[index - 1]!).toBeGreaterThanOrEqual(9_990);
    }
    expect(warnings.length).toBeLessThan(20);
    // Nothing else is written per request at warn: only these rate-limited lines and breaker transitions.
    const others = logs.lines.filter((line) => line.msg !== 'fields degraded' && line.msg !== 'breaker transition' && line.msg !== 'response finished past its deadline');
    expect(others).toEqual([]);
  });
});

describe('request ids and trace context', () => {
  it('returns the client id, generates one otherwise, and forwards both headers upstream', async () => {
    harness = await startHarness();
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const given = await harness.query(QUERY, undefined, { 'x-request-id': 'abc-123', traceparent });
    expect(given.headers.get('x-request-id')).toBe('abc-123');
    const upstream = harness.service('inventory').requests.at(-1)!.headers;
    expect(upstream['x-request-id']).toBe('abc-123');
    expect(upstream.traceparent).toBe(traceparent);

    const generated = await harness.query(QUERY, undefined, { 'x-request-id': 'bad id with spaces' });
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(harness.service('catalog').requests.at(-1)!.headers['x-request-id']).toBe(generated.headers.get('x-request-id'));
  });
});

describe('/health and /ready', () => {
  it('is ready when healthy and stays ready while a critical breaker is open (health says degraded)', async () => {
    harness = await startHarness({ sources: { catalog: { maxStaleMs: 0, retry: { maxAttempts: 1 }, breaker: { volumeThreshold: 2, resetTimeoutMs: 60_000 } } } });
    expect((await fetch(`${harness.url}/health`)).status).toBe(200);
    const ready = await fetch(`${harness.url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, reasons: [] });
    expect(await (await fetch(`${harness.url}/health`)).json()).toMatchObject({ status: 'ok', sources: { catalog: { state: 'CLOSED', critical: true }, inventory: { state: 'CLOSED', critical: false } } });

    harness.service('catalog').setFault({ errorRate: 1 });
    await harness.query(QUERY);
    await harness.query(QUERY);
    // Readiness never follows a dependency every replica shares (docs/operations.md).
    const broken = await fetch(`${harness.url}/ready`);
    expect(broken.status).toBe(200);
    expect(await broken.json()).toMatchObject({ ready: true, reasons: [] });
    const health = await fetch(`${harness.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'degraded', criticalOpen: ['catalog'], sources: { catalog: { state: 'OPEN', critical: true } } });
  });

  it('turns not ready as soon as shutdown begins', async () => {
    harness = await startHarness();
    const closing = harness.gateway.close({ drainDelayMs: 300 });
    const draining = await fetch(`${harness.url}/ready`);
    expect(draining.status).toBe(503);
    expect(await draining.json()).toMatchObject({ ready: false, reasons: ['draining'] });
    await closing;
    await harness.demo.close();
    harness = undefined;
  });
});

describe('failure samples', () => {
  it.each([
    ['HTML page with 200', { htmlError: true }, 'UPSTREAM_BAD_RESPONSE'],
    ['hang', { hang: true }, 'UPSTREAM_TIMEOUT'],
    ['503', { errorRate: 1, errorStatus: 503 }, 'UPSTREAM_UNAVAILABLE'],
    ['reset', { reset: true }, 'UPSTREAM_UNAVAILABLE'],
    ['wrong types', { wrongTypes: true }, 'UPSTREAM_BAD_RESPONSE'],
  ])('captures a %s, exports it, and the demo replay reproduces the same reason', async (_name, fault, reason) => {
    harness = await startHarness({ sources: { inventory: { timeoutMs: 300, maxStaleMs: 0, retry: { maxAttempts: 1 } } } });
    harness.service('inventory').setFault(fault);
    const original = await harness.query(QUERY);
    expect(original.body.extensions?.degraded?.[0]?.reason).toBe(reason);

    const samples = (await (await fetch(`${harness.url}/dashboard/samples.json?source=inventory`)).json()) as { samples: Array<Record<string, unknown>> };
    expect(samples.samples).toHaveLength(1);
    expect(samples.samples[0]).toMatchObject({ source: 'inventory', reason, request: expect.stringMatching(/^GET \/inventory\?ids=p-0003$/) });
    const scenario = await (await fetch(`${harness.url}/dashboard/samples/inventory/scenario.json`)).json();

    harness.service('inventory').clearFault();
    expect((await harness.query(QUERY)).body.extensions).toBeUndefined();
    const replay = await fetch(`${harness.demo.urls.inventory}/__control/scenario`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(scenario) });
    expect(replay.status).toBe(200);
    const replayed = await harness.query(QUERY);
    expect(replayed.body.extensions?.degraded?.[0]?.reason).toBe(reason);
  });

  it('keeps the body start of an HTML answer', async () => {
    harness = await startHarness({ sources: { inventory: { retry: { maxAttempts: 1 } } } });
    harness.service('inventory').setFault({ htmlError: true });
    await harness.query(QUERY);
    expect(harness.gateway.state.telemetry.samples.list('inventory')[0]).toMatchObject({ status: 200, body: expect.stringContaining('<h1>502 Bad Gateway</h1>') });
  });
});
