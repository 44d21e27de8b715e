import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamClient } from '../../src/http/upstream-client.js';
import { Deadline } from '../../src/resilience/deadline.js';
import { DEADLINE_HEADER, ResiliencePipeline } from '../../src/resilience/pipeline.js';
import { DEFAULT_SOURCE_POLICY } from '../../src/resilience/policy.js';

/**
 * The headers of an attempt, as a real upstream on loopback receives them: the request's headers
 * for the source, the call's own over them, and the deadline header last, over anything of that
 * name the others carry. (The pipeline builds them key by key since the seventh session:
 * bench/README.md § "Seventh session: per-call CPU".)
 */
describe('attempt headers', () => {
  let server: Server;
  let baseUrl: URL;
  const seen: IncomingHttpHeaders[] = [];
  const client = new UpstreamClient();

  beforeAll(async () => {
    server = createServer((request, response) => {
      seen.push(request.headers);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });

  afterAll(async () => {
    await client.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends the request headers, the call headers over them, and its own deadline over both', async () => {
    const pipeline = new ResiliencePipeline('pricing', baseUrl, { ...DEFAULT_SOURCE_POLICY, timeoutMs: 1000, url: baseUrl.href }, client);
    const requestHeaders = { 'x-request-id': 'req-1', 'accept-language': 'de', [DEADLINE_HEADER]: '999999' };
    const scope = { deadline: new Deadline(5_000), headers: () => requestHeaders, onFinish: () => () => undefined };
    const body = await pipeline.call(
      { method: 'POST', path: '/w', body: { n: 1 }, headers: { 'idempotency-key': 'key-7', 'x-request-id': 'call-own', [DEADLINE_HEADER]: '888888' }, idempotent: true, parse: (response) => response.body },
      scope,
    );
    pipeline.shutdown();
    expect(body).toEqual({ ok: true });
    expect(seen).toHaveLength(1);
    const received = seen[0]!;
    expect(received['x-request-id']).toBe('call-own');
    expect(received['accept-language']).toBe('de');
    expect(received['idempotency-key']).toBe('key-7');
    expect(received['content-type']).toBe('application/json');
    const deadline = Number(received[DEADLINE_HEADER]);
    expect(deadline).toBeGreaterThan(0);
    expect(deadline).toBeLessThanOrEqual(1000);
    // The request's headers object is read, never written: it is shared by every call of the request.
    expect(requestHeaders).toEqual({ 'x-request-id': 'req-1', 'accept-language': 'de', [DEADLINE_HEADER]: '999999' });
  });
});
