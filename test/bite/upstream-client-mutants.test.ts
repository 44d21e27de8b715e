import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamBadResponseError, UpstreamError, UpstreamRejectedError, UpstreamTimeoutError, UpstreamUnavailableError } from '../../src/errors.js';
import { UpstreamClient } from '../../src/http/upstream-client.js';
import type { UpstreamRequest } from '../../src/http/upstream-client.js';

/**
 * The one HTTP client (src/http/upstream-client.ts) against a real upstream on loopback: what it
 * sends, how each kind of answer becomes a value or an UpstreamError with its exact status,
 * message and body snippet, the body caps, and its pools' connection limits. Mutation testing
 * found these unheld by the integration suites (docs/testing.md, "Mutation testing").
 */
type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;
interface Seen {
  method: string;
  url: string;
  contentType: string | undefined;
  body: string;
}
let handler: Handler;
const seen: Seen[] = [];
const held: ServerResponse[] = [];
let server: Server;
let origin: string;
const clients: UpstreamClient[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: request.method!, url: request.url!, contentType: request.headers['content-type'], body });
      handler(request, body, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
afterEach(async () => {
  // Calls still queued behind held ones are answered as they arrive, so every pool can close.
  handler = answer(200, '{}');
  for (const response of held.splice(0)) response.end('{}');
  await Promise.all(clients.splice(0).map((client) => client.close()));
  seen.length = 0;
  server.closeAllConnections();
});

function client(options?: ConstructorParameters<typeof UpstreamClient>[0]): UpstreamClient {
  const made = new UpstreamClient(options);
  clients.push(made);
  return made;
}

const answer = (status: number, text: string, headers: Record<string, string> = {}): Handler => (_request, _body, response) => {
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(text);
};

function call(overrides: Partial<UpstreamRequest> = {}): UpstreamRequest {
  return { source: 'pricing', baseUrl: new URL(origin), method: 'GET', path: '/prices?ids=a', headers: { 'x-test': '1' }, signal: new AbortController().signal, ...overrides };
}

async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof UpstreamError)) throw new Error(`expected an UpstreamError, got ${String(error)}`);
  return error;
}

describe('what the client sends', () => {
  it('a GET carries no body and no content-type; a write sends its JSON body with content-type application/json', async () => {
    handler = answer(200, '{"ok":true}');
    const upstream = client();
    await expect(upstream.request(call())).resolves.toEqual({ status: 200, body: { ok: true } });
    await expect(upstream.request(call({ method: 'PUT', path: '/carts/u-1/lines/p-1', body: { quantity: 3 } }))).resolves.toEqual({ status: 200, body: { ok: true } });
    expect(seen).toEqual([
      { method: 'GET', url: '/prices?ids=a', contentType: undefined, body: '' },
      { method: 'PUT', url: '/carts/u-1/lines/p-1', contentType: 'application/json', body: '{"quantity":3}' },
    ]);
  });

  it.each([
    ['/', '/prices?ids=a'],
    ['/api', '/api/prices?ids=a'],
    ['/api/', '/api/prices?ids=a'],
    ['/api//', '/api/prices?ids=a'],
  ])('a base URL path %s prefixes the call path as %s', async (basePath, expected) => {
    handler = answer(200, '[]');
    await client().request(call({ baseUrl: new URL(basePath, origin) }));
    expect(seen.map((request) => request.url)).toEqual([expected]);
  });
});

describe('how answers become values or errors', () => {
  it('a 2xx other than 200 is a value too, and 299 is still one; 300 is not', async () => {
    const upstream = client();
    handler = answer(201, '{"n":1}');
    await expect(upstream.request(call())).resolves.toEqual({ status: 201, body: { n: 1 } });
    handler = answer(299, '{"n":2}');
    await expect(upstream.request(call())).resolves.toEqual({ status: 299, body: { n: 2 } });
    handler = answer(300, 'moved');
    const error = await failure(upstream.request(call()));
    expect({ type: error.constructor, message: error.message, status: error.status, snippet: error.bodySnippet }).toEqual({
      type: UpstreamRejectedError,
      message: 'pricing answered HTTP 300',
      status: 300,
      snippet: 'moved',
    });
  });

  it('an accepted status answers body null; without acceptStatuses the same 404 is a rejection with its body', async () => {
    const upstream = client();
    handler = answer(404, '{"error":"no cart"}');
    await expect(upstream.request(call({ acceptStatuses: [404] }))).resolves.toEqual({ status: 404, body: null });
    const error = await failure(upstream.request(call()));
    expect({ type: error.constructor, code: error.code, message: error.message, status: error.status, snippet: error.bodySnippet }).toEqual({
      type: UpstreamRejectedError,
      code: 'UPSTREAM_BAD_RESPONSE',
      message: 'pricing answered HTTP 404',
      status: 404,
      snippet: '{"error":"no cart"}',
    });
    // The accepted answer's body was read to its end: the connection serves the next call.
    handler = answer(200, '{"after":true}');
    await expect(upstream.request(call())).resolves.toEqual({ status: 200, body: { after: true } });
  });

  it.each([
    [499, UpstreamRejectedError, undefined],
    [500, UpstreamUnavailableError, 2000],
    [503, UpstreamUnavailableError, 2000],
    [408, UpstreamUnavailableError, 2000],
    [429, UpstreamUnavailableError, 2000],
    [400, UpstreamRejectedError, undefined],
  ])('HTTP %i is %o, with Retry-After: 2 read as %s ms only when it is retryable', async (status, type, retryAfterMs) => {
    handler = answer(status, 'busy', { 'retry-after': '2' });
    const error = await failure(client().request(call()));
    expect({ type: error.constructor, message: error.message, status: error.status, retryAfterMs: error.retryAfterMs, snippet: error.bodySnippet }).toEqual({
      type,
      message: `pricing answered HTTP ${status}`,
      status,
      retryAfterMs,
      snippet: 'busy',
    });
  });

  it('an error body is kept to its first 512 bytes, and the connection still serves the next call', async () => {
    const upstream = client({ connectionsPerOrigin: 1 });
    handler = answer(503, 'x'.repeat(511) + 'yz' + 'w'.repeat(100_000));
    const error = await failure(upstream.request(call()));
    expect(error.bodySnippet).toBe('x'.repeat(511) + 'y');
    handler = answer(503, 'short');
    expect((await failure(upstream.request(call()))).bodySnippet).toBe('short');
    handler = answer(200, '{"n":3}');
    await expect(upstream.request(call())).resolves.toEqual({ status: 200, body: { n: 3 } });
  });

  it('a 200 that is not JSON is a bad response naming the status, with the first 512 bytes of the text', async () => {
    handler = answer(200, '<html>' + 'h'.repeat(600));
    const error = await failure(client().request(call()));
    expect({ type: error.constructor, message: error.message, status: error.status, snippet: error.bodySnippet }).toEqual({
      type: UpstreamBadResponseError,
      message: 'pricing answered 200 with a body that is not JSON',
      status: 200,
      snippet: ('<html>' + 'h'.repeat(600)).slice(0, 512),
    });
  });

  it('a body of exactly maxResponseBytes is read, one byte more is refused with the bytes read so far as its snippet', async () => {
    const upstream = client({ maxResponseBytes: 20 });
    const twenty = `{"t":"${'a'.repeat(12)}"}`;
    expect(twenty).toHaveLength(20);
    handler = answer(200, twenty);
    await expect(upstream.request(call())).resolves.toEqual({ status: 200, body: { t: 'a'.repeat(12) } });
    handler = (_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"t":"aaaa');
      setTimeout(() => response.end(`${'a'.repeat(9)}"}`), 20);
    };
    const error = await failure(upstream.request(call()));
    expect({ type: error.constructor, message: error.message, snippet: error.bodySnippet }).toEqual({
      type: UpstreamBadResponseError,
      message: 'pricing response body exceeds 20 bytes',
      snippet: '{"t":"aaaa',
    });
  });

  it('by default a body of 5,000,000 bytes is read and one of 5,000,001 is refused', async () => {
    const upstream = client();
    const body = (length: number): string => `"${'a'.repeat(length - 2)}"`;
    handler = answer(200, body(5_000_000));
    const read = await upstream.request(call());
    expect((read.body as string).length).toBe(4_999_998);
    handler = answer(200, body(5_000_001));
    const error = await failure(upstream.request(call()));
    expect(error.message).toBe('pricing response body exceeds 5000000 bytes');
  });

  it('a body sent in many chunks is joined in order', async () => {
    handler = (_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('[1,');
      setTimeout(() => response.write('2,'), 10);
      setTimeout(() => response.end('3]'), 30);
    };
    await expect(client().request(call())).resolves.toEqual({ status: 200, body: [1, 2, 3] });
  });
});

describe('failures on the way', () => {
  it('a refused connection is UPSTREAM_UNAVAILABLE naming the source and the socket error code', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failure(client().request(call({ baseUrl: new URL(`http://127.0.0.1:${port}`) })));
    expect({ type: error.constructor, message: error.message }).toEqual({ type: UpstreamUnavailableError, message: 'pricing: request failed (ECONNREFUSED)' });
    // The socket error stays attached for the operator's failure sample.
    expect((error.cause as { code?: string } | undefined)?.code).toBe('ECONNREFUSED');
  });

  it("an aborted signal's UpstreamError reason is the rejection itself", async () => {
    handler = (_request, _body, response) => void held.push(response);
    const controller = new AbortController();
    const pending = client().request(call({ signal: controller.signal }));
    await expect.poll(() => held.length).toBe(1);
    const reason = new UpstreamTimeoutError('pricing', 'pricing timed out after 50 ms');
    controller.abort(reason);
    expect(await failure(pending)).toBe(reason);
  });

  it('an abort whose reason is not an UpstreamError is a network failure with its message', async () => {
    handler = (_request, _body, response) => void held.push(response);
    const controller = new AbortController();
    const pending = client().request(call({ signal: controller.signal }));
    await expect.poll(() => held.length).toBe(1);
    controller.abort('gone');
    const error = await failure(pending);
    expect({ type: error.constructor, message: error.message }).toEqual({ type: UpstreamUnavailableError, message: 'pricing: request failed (gone)' });
  });

  it('a body cut short is UPSTREAM_UNAVAILABLE "reading the body failed"', async () => {
    handler = (_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      response.write('{"partial":');
      setTimeout(() => response.socket?.destroy(), 20);
    };
    const error = await failure(client().request(call()));
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error.message).toMatch(/^pricing: reading the body failed \(UND_ERR_SOCKET\)$/);
  });
});

describe('pools', () => {
  /** Starts `count` calls the upstream holds, and waits until it holds as many as the pool lets through. */
  async function holdCalls(upstream: UpstreamClient, count: number, through: number): Promise<void> {
    handler = (_request, _body, response) => void held.push(response);
    for (let index = 0; index < count; index++) void upstream.request(call()).catch(() => undefined);
    await expect.poll(() => held.length).toBe(through);
  }

  it('opens at most 32 connections to an origin by default; the 33rd call waits', async () => {
    const upstream = client();
    await holdCalls(upstream, 33, 32);
    expect(upstream.stats()).toEqual({ [origin]: { connected: 32, running: 32, pending: 1 } });
  });

  it('limitConnections keeps the largest limit asked for an origin', async () => {
    const upstream = client({ connectionsPerOrigin: 1 });
    upstream.limitConnections(origin, 3);
    upstream.limitConnections(origin, 2);
    await holdCalls(upstream, 4, 3);
    expect(upstream.stats()).toEqual({ [origin]: { connected: 3, running: 3, pending: 1 } });
  });

  it('close() ends every pool and forgets it', async () => {
    const upstream = client();
    handler = answer(200, '{}');
    await upstream.request(call());
    expect(Object.keys(upstream.stats())).toEqual([origin]);
    await upstream.close();
    expect(upstream.stats()).toEqual({});
  });
});
