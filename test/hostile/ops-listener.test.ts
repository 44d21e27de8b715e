import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { startBallastProcess } from '../helpers/process.js';
import type { BallastProcess } from '../helpers/process.js';
import { P1_NAME } from './raw-socket.js';
import { freePort } from '../helpers/ports.js';

/**
 * With `ops.port` set, /health, /ready and /metrics move to their own listener (loopback by
 * default) and the public port answers them 404; GraphQL stays on the public port only.
 */
const PROMETHEUS_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

describe('ops listener in a gateway', () => {
  let harness: Harness;
  let opsUrl: string;
  beforeAll(async () => {
    harness = await startHarness({ ops: { port: 0, host: '127.0.0.1' } });
    opsUrl = `http://127.0.0.1:${(harness.gateway.opsServer!.address() as AddressInfo).port}`;
  });
  afterAll(() => harness.close());

  it('serves /metrics, /health and /ready on the ops port and 404 on the public port', async () => {
    const answer = await harness.query('query Named { product(id: "p-0001") { name } }');
    expect(answer.body).toEqual({ data: { product: { name: P1_NAME } } });

    const metrics = await fetch(`${opsUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toBe(PROMETHEUS_TYPE);
    expect(await metrics.text()).toMatch(/^ballast_graphql_requests_total\{operation="Named",result="ok"\} 1$/m);
    const health = await fetch(`${opsUrl}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', pid: process.pid, criticalOpen: [], sources: { catalog: { critical: true, state: 'CLOSED' } } });
    expect((await fetch(`${opsUrl}/ready`)).status).toBe(200);

    for (const path of ['/metrics', '/health', '/ready', '/health?x=1']) {
      const response = await fetch(`${harness.url}${path}`);
      expect(response.status, path).toBe(404);
      expect(await response.text()).toBe('Not Found\n');
    }
  });

  it('serves nothing else on the ops port: no GraphQL there', async () => {
    const response = await fetch(`${opsUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
    expect(response.status).toBe(404);
    expect((await harness.query('{ __typename }')).body).toEqual({ data: { __typename: 'Query' } });
  });
});

describe('without ops.port', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness.close());

  it('serves /metrics and /health on the public port as before', async () => {
    expect(harness.gateway.opsServer).toBeUndefined();
    const metrics = await fetch(`${harness.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toBe(PROMETHEUS_TYPE);
    expect((await fetch(`${harness.url}/health`)).status).toBe(200);
  });
});

describe('ops listener of a Ballast process (OPS_PORT)', () => {
  let ballast: BallastProcess;
  let opsPort: number;
  beforeAll(async () => {
    opsPort = await freePort();
    ballast = await startBallastProcess({ env: { OPS_PORT: String(opsPort), BALLAST_WORKERS: '1' } });
  }, 60_000);
  afterAll(() => ballast?.kill());

  it('announces the ops address and serves metrics there, 404 on the public port', async () => {
    expect(ballast.banner).toContain(`Metrics: http://127.0.0.1:${opsPort}/metrics · health: http://127.0.0.1:${opsPort}/health · readiness: http://127.0.0.1:${opsPort}/ready`);
    await expect.poll(async () => (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).status).toBe(200);
    const metrics = await fetch(`http://127.0.0.1:${opsPort}/metrics`);
    expect(await metrics.text()).toContain('# TYPE ballast_requests_shed_total counter');
    expect((await fetch(`${ballast.url}/metrics`)).status).toBe(404);
    expect((await fetch(`${ballast.url}/health`)).status).toBe(404);
  });
});

describe('ops listener with two workers', () => {
  let ballast: BallastProcess;
  let opsPort: number;
  beforeAll(async () => {
    opsPort = await freePort();
    ballast = await startBallastProcess({ env: { OPS_PORT: String(opsPort), BALLAST_WORKERS: '2' } });
  }, 60_000);
  afterAll(() => ballast?.kill());

  it('announces the public port (not the ops port) and serves the fleet metrics on the ops port', async () => {
    expect(new URL(ballast.url).port).not.toBe(String(opsPort));
    const answer = await fetch(`${ballast.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
    expect(await answer.json()).toEqual({ data: { __typename: 'Query' } });
    const metrics = await fetch(`http://127.0.0.1:${opsPort}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('# TYPE ballast_requests_shed_total counter');
    expect((await fetch(`${ballast.url}/metrics`)).status).toBe(404);
  });
});
