import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { startBallastProcess } from '../helpers/process.js';
import type { BallastProcess } from '../helpers/process.js';
import { P1_NAME, rawConnect } from './raw-socket.js';
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

/**
 * One normalisation for the listener and the plugins (src/front-door/route-path.ts): a dot
 * segment, a percent-encoded dot, a backslash or a fragment in the raw request-target, or a
 * Host header carrying a path, must not reach an ops route on the public port, nor anything
 * but the ops routes on the ops port (docs/operations.md, "Ops listener").
 */
describe('ops routes behind a non-canonical request-target', () => {
  let harness: Harness;
  let opsUrl: string;
  beforeAll(async () => {
    harness = await startHarness({ mode: 'development', ops: { port: 0, host: '127.0.0.1' } });
    opsUrl = `http://127.0.0.1:${(harness.gateway.opsServer!.address() as AddressInfo).port}`;
  });
  afterAll(() => harness.close());

  const get = (target: string, host = '127.0.0.1'): string => `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;
  /** Writes raw requests (fetch would normalise the target) and reads each answer to its close. */
  const sendTogether = (url: string, requests: string[]): Promise<Array<{ status: number; body: string }>> =>
    Promise.all(
      requests.map(async (text) => {
        const client = await rawConnect(url);
        client.socket.write(text);
        await client.closed;
        const received = client.received();
        const [head, ...rest] = received.split('\r\n\r\n');
        let body = rest.join('\r\n\r\n');
        if (/^transfer-encoding: chunked$/im.test(head!)) {
          let decoded = '';
          for (let at = 0; ; ) {
            const size = parseInt(body.slice(at, body.indexOf('\r\n', at)), 16);
            if (!size) break;
            const start = body.indexOf('\r\n', at) + 2;
            decoded += body.slice(start, start + size);
            at = start + size + 2;
          }
          body = decoded;
        }
        return { status: Number(head!.split(' ')[1]), body: Buffer.from(body, 'latin1').toString('utf8') };
      }),
    );

  it('answers 404 on the public port to every spelling of /metrics, /health and /ready', async () => {
    const targets = ['/graphql/../metrics', '/./metrics', '/%2e/metrics', '/%2E%2e/x/../metrics', '/x/../health', '/x/%2e%2e/ready', '/graphql\\..\\metrics', '/metrics#x', '/health#', '/./metrics?x=1'];
    const responses = await sendTogether(harness.url, targets.map((target) => get(target)));
    responses.forEach((response, index) => {
      expect(response.status, targets[index]).toBe(404);
      expect(response.body, targets[index]).toBe('Not Found\n');
    });
    // A Host header that carries a path moved Yoga's URL (http://<host><target>) onto /metrics.
    const [hosted] = await sendTogether(harness.url, [get('/nothing', '127.0.0.1/metrics?')]);
    expect(hosted!.status).toBe(404);
    expect(hosted!.body).not.toContain('ballast_');
  });

  it('still serves the dashboard on the public port under the same normalisation', async () => {
    const targets = ['/x/../dashboard/status.json', '/%2e/dashboard/status.json', '/dashboard/status.json'];
    const responses = await sendTogether(harness.url, targets.map((target) => get(target)));
    for (const [index, response] of responses.entries()) {
      expect(response.status, targets[index]).toBe(200);
      expect(JSON.parse(response.body), targets[index]).toMatchObject({ faultControl: true });
    }
  });

  it('answers only the ops routes on the ops port: no dashboard, no GraphQL, whatever the spelling or Host', async () => {
    const targets = ['/dashboard', '/dashboard/status.json', '/metrics/../dashboard/status.json', '/health/%2e%2e/dashboard', '/ready/../graphql?query=%7B__typename%7D'];
    const responses = await sendTogether(opsUrl, targets.map((target) => get(target)));
    responses.forEach((response, index) => {
      expect(response.status, targets[index]).toBe(404);
      expect(response.body, targets[index]).toBe('Not Found\n');
    });
    // The raw target is /health, but Yoga builds its URL from the Host header too: such a Host is refused here.
    const [dashboard, graphql] = await sendTogether(opsUrl, [get('/health', '127.0.0.1/dashboard/status.json?'), `POST /health HTTP/1.1\r\nHost: 127.0.0.1/graphql?\r\nContent-Type: application/json\r\nContent-Length: 25\r\nConnection: close\r\n\r\n{"query":"{ __typename }"}`.replace('25', String(Buffer.byteLength('{"query":"{ __typename }"}')))]);
    for (const response of [dashboard!, graphql!]) expect(response).toEqual({ status: 404, body: 'Not Found\n' });
  });

  it('serves the ops routes on the ops port when spelled with dot segments', async () => {
    const [metrics, health] = await sendTogether(opsUrl, [get('/x/../metrics'), get('/%2e/health')]);
    expect(metrics!.status).toBe(200);
    expect(metrics!.body).toContain('# TYPE ballast_requests_shed_total counter');
    expect(JSON.parse(health!.body)).toMatchObject({ status: 'ok', pid: process.pid });
  });
});
