import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamError, UpstreamUnavailableError } from '../../src/errors.js';
import { UpstreamClient } from '../../src/http/upstream-client.js';
import type { UpstreamRequest } from '../../src/http/upstream-client.js';

/**
 * How the HTTP client (src/http/upstream-client.ts) reads an error answer's body: it keeps the
 * first 512 bytes and stops reading there, so an upstream that sends a long (or never-ending)
 * error body costs no more than those bytes. Survivors of the ninth session's focused run
 * (docs/testing.md, "Mutation testing").
 */
type Handler = (response: ServerResponse) => void;
let handler: Handler;
const open: ServerResponse[] = [];
let server: Server;
let origin: string;
const clients: UpstreamClient[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      open.push(response);
      handler(response);
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
  for (const response of open.splice(0)) response.end();
  await Promise.all(clients.splice(0).map((client) => client.close()));
  server.closeAllConnections();
});

function client(): UpstreamClient {
  const made = new UpstreamClient();
  clients.push(made);
  return made;
}

function call(): UpstreamRequest {
  return { source: 'pricing', baseUrl: new URL(origin), method: 'GET', path: '/prices?ids=a', headers: {}, signal: new AbortController().signal };
}

/**
 * The error the request rejects with, or 'still reading' if it has not settled within `withinMs`
 * (the upstream keeps the body open, so a client that reads on would wait for it forever).
 */
async function failureWithin(upstream: UpstreamClient, withinMs: number): Promise<UpstreamError | 'still reading'> {
  let timer: NodeJS.Timeout | undefined;
  const stillReading = new Promise<'still reading'>((resolve) => (timer = setTimeout(() => resolve('still reading'), withinMs)));
  const settled = upstream.request(call()).then(
    () => {
      throw new Error('expected a rejection, got a value');
    },
    (error: unknown) => {
      if (!(error instanceof UpstreamError)) throw new Error(`expected an UpstreamError, got ${String(error)}`);
      return error;
    },
  );
  try {
    return await Promise.race([settled, stillReading]);
  } finally {
    clearTimeout(timer);
  }
}

describe("an error answer's body is read up to its first 512 bytes, then no further", () => {
  it('a 503 that sends exactly 512 bytes and keeps its body open is answered at once, with those 512 bytes', async () => {
    const sent = 'e'.repeat(500) + '0123456789AB';
    handler = (response) => {
      response.writeHead(503, { 'content-type': 'text/plain' });
      response.write(sent);
    };
    const error = await failureWithin(client(), 3000);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect((error as UpstreamError).bodySnippet).toBe(sent);
    expect((error as UpstreamError).message).toBe('pricing answered HTTP 503');
    // The upstream never ends that body: only a client that stops reading on its own answers.
  });

  it('a 503 body that arrives in pieces is read on until 512 bytes, not cut at its first piece', async () => {
    handler = (response) => {
      response.writeHead(503, { 'content-type': 'text/plain' });
      response.write('a'.repeat(100));
      setTimeout(() => response.write('b'.repeat(300)), 30);
      setTimeout(() => response.write('c'.repeat(300)), 60);
    };
    const error = await failureWithin(client(), 3000);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect((error as UpstreamError).bodySnippet).toBe('a'.repeat(100) + 'b'.repeat(300) + 'c'.repeat(112));
  });

  it('a short 503 body that ends is kept whole, and the gateway still calls on', async () => {
    handler = (response) => {
      response.writeHead(503, { 'content-type': 'text/plain' });
      response.write('busy, ');
      setTimeout(() => response.end('retry later'), 30);
    };
    const upstream = client();
    const error = await failureWithin(upstream, 3000);
    expect((error as UpstreamError).bodySnippet).toBe('busy, retry later');
    handler = (response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":1}');
    await expect(upstream.request(call())).resolves.toEqual({ status: 200, body: { ok: 1 } });
  });
});
