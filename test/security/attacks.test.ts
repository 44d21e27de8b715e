import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/**
 * One row per attack or malformed request against a production-mode Ballast: expected HTTP
 * status and error code. After the whole table a normal query still answers.
 */
let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ mode: 'production' });
});
afterAll(() => harness.close());

interface Attack {
  name: string;
  method?: 'GET' | 'POST';
  /** Raw body; JSON-encoded `{query, variables, operationName}` when `query` is given instead. */
  body?: string;
  query?: string;
  variables?: Record<string, unknown>;
  operationName?: string;
  search?: string;
  headers?: Record<string, string>;
  status: number;
  code?: string;
  message?: RegExp;
}

const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: product(id: "p-000${i % 9 + 1}") { name }`).join(' ')} }`;
const deepIntrospection = `{ __schema { types { fields { type { ofType { ofType { ofType { ofType { name } } } } } } } } }`;

const ATTACKS: Attack[] = [
  { name: '16 aliases of a real field', query: aliases(16), status: 400, code: 'QUERY_TOO_COMPLEX', message: /Aliases limit of 15/ },
  { name: 'a depth-9 introspection query', query: deepIntrospection, status: 400, code: 'QUERY_TOO_COMPLEX', message: /depth limit of 8/ },
  { name: '1,000 duplicated fields', query: `{ product(id: "p-0001") { ${'name '.repeat(1000)} } }`, status: 400, code: 'GRAPHQL_PARSE_FAILED', message: /Token limit/ },
  { name: '60 directives', query: `{ product(id: "p-0001") { name ${'@include(if: true) '.repeat(60)} } }`, status: 400, code: 'QUERY_TOO_COMPLEX', message: /Directives limit of 50/ },
  { name: 'circular fragments', query: `{ product(id: "p-0001") { ...A } } fragment A on Product { ...B } fragment B on Product { ...A }`, status: 400, code: 'GRAPHQL_VALIDATION_FAILED', message: /Cannot spread fragment/ },
  { name: 'a 1 MB string literal', query: `{ product(id: "${'x'.repeat(1_000_000)}") { name } }`, status: 400, code: 'DOCUMENT_TOO_LARGE' },
  { name: 'a 2 MB body', body: JSON.stringify({ query: '{ __typename }', variables: { pad: 'y'.repeat(2_000_000) } }), status: 413, code: 'BODY_TOO_LARGE' },
  { name: 'a batch array of 50', body: JSON.stringify(Array.from({ length: 50 }, () => ({ query: '{ __typename }' }))), status: 400, message: /Batching is not supported/ },
  { name: 'malformed JSON', body: '{"query": "{ __typename ', status: 400, code: 'BAD_REQUEST', message: /invalid JSON/ },
  { name: 'text/plain POST without the CSRF header', body: '{"query":"{ __typename }"}', headers: { 'content-type': 'text/plain' }, status: 403, message: /CSRF/ },
  { name: 'form-urlencoded POST without the CSRF header', body: 'query=%7B__typename%7D', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 403, message: /CSRF/ },
  { name: 'a GET without the CSRF header', method: 'GET', search: `query=${encodeURIComponent('{ __typename }')}`, status: 403, message: /CSRF/ },
  { name: 'a mutation over GET', method: 'GET', search: `query=${encodeURIComponent('mutation { x }')}`, headers: { 'x-graphql-yoga-csrf': '1' }, status: 405, message: /mutation operation from a POST/ },
  { name: 'an unknown operationName', query: 'query A { __typename }', operationName: 'B', status: 400, code: 'OPERATION_RESOLUTION_FAILURE' },
  { name: 'variables of the wrong type', query: 'query ($id: ID!) { product(id: $id) { name } }', variables: { id: { nested: true } }, status: 400, message: /Variable "\$id" got invalid value/ },
  { name: 'a typo, with no suggestion in production', query: '{ prodct(id: "p-0001") { name } }', status: 400, code: 'GRAPHQL_VALIDATION_FAILED', message: /\[Suggestion hidden\]/ },
  { name: 'introspection in production', query: '{ __schema { queryType { name } } }', status: 400, message: /introspection has been disabled/ },
  // A field error, not a request error: GraphQL over HTTP answers 200 with data null.
  { name: 'first: 1000', query: '{ products(first: 1000) { nodes { id } } }', status: 200, code: 'BAD_USER_INPUT', message: /between 1 and 100/ },
  { name: '15 aliases of a full page, over the cost limit', query: `{ ${Array.from({ length: 15 }, (_, i) => `p${i}: products(first: 100) { edges { cursor node { id name description category price { amount currency formatted } inventory { available status } } } }`).join(' ')} }`, status: 400, code: 'QUERY_TOO_COMPLEX', message: /Cost limit/ },
  { name: 'a bad deadline header', query: '{ __typename }', headers: { 'x-ballast-deadline-ms': '-5' }, status: 400, code: 'BAD_REQUEST' },
];

async function send(attack: Attack): Promise<{ status: number; text: string }> {
  const url = new URL(`${harness.url}/graphql`);
  if (attack.search) url.search = attack.search;
  const body = attack.body ?? (attack.query === undefined ? undefined : JSON.stringify({ query: attack.query, variables: attack.variables, operationName: attack.operationName }));
  const response = await fetch(url, {
    method: attack.method ?? 'POST',
    headers: { ...(attack.method === 'GET' ? {} : { 'content-type': 'application/json' }), accept: 'application/graphql-response+json', ...attack.headers },
    body: attack.method === 'GET' ? undefined : body,
  });
  return { status: response.status, text: await response.text() };
}

describe('attacks and malformed requests against production Ballast', () => {
  it.each(ATTACKS.map((attack) => [attack.name, attack] as const))('%s', async (_name, attack) => {
    const { status, text } = await send(attack);
    expect(status).toBe(attack.status);
    const body = JSON.parse(text) as { errors?: Array<{ message: string; extensions?: { code?: string } }> };
    expect(body.errors?.length).toBeGreaterThan(0);
    if (attack.code) expect(body.errors!.map((error) => error.extensions?.code)).toContain(attack.code);
    if (attack.message) expect(body.errors!.map((error) => error.message).join('\n')).toMatch(attack.message);
    // No stack trace, file path or internal address ever reaches a production client.
    expect(text).not.toMatch(/\bat .+:\d+:\d+|\/work\/|node_modules|127\.0\.0\.1|localhost/);
  });

  it('still answers a normal query after the whole table, a full 100-product page included', async () => {
    const { status, body } = await harness.query(
      '{ products(first: 100) { edges { cursor node { id name description category price { amount currency formatted } inventory { available status } } } pageInfo { hasNextPage endCursor } } }',
    );
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect((body.data!.products as { edges: unknown[] }).edges).toHaveLength(100);
  });
});

/** Sends `chunks` as a POST body over a raw socket-level request, so no client fixes up the framing. */
function rawPost(headers: Record<string, string | number>, chunks: string[]): Promise<{ status: number; text: string }> {
  const url = new URL(`${harness.url}/graphql`);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    });
    request.on('error', reject);
    for (const chunk of chunks) request.write(chunk);
    request.end();
  });
}

// Ballast enforces the body limit by Content-Length alone (Yoga's streaming limit is off, see
// server.ts): these two show no body escapes that check.
describe('request bodies without a trustworthy length', () => {
  it('a chunked 2 MB body without Content-Length is refused with 411 before it is read', async () => {
    const pad = 'y'.repeat(64 * 1024);
    const chunks = ['{"query":"{ __typename }","variables":{"pad":"', ...Array.from({ length: 32 }, () => pad), '"}}'];
    const { status, text } = await rawPost({ 'transfer-encoding': 'chunked' }, chunks);
    expect(status).toBe(411);
    expect(JSON.parse(text)).toMatchObject({ errors: [{ extensions: { code: 'LENGTH_REQUIRED' } }] });
  });

  it('bytes past the declared Content-Length are never part of the body', async () => {
    const body = JSON.stringify({ query: '{ __typename }' });
    const { status, text } = await rawPost({ 'content-length': Buffer.byteLength(body) }, [body]);
    expect(status).toBe(200);
    expect(JSON.parse(text)).toEqual({ data: { __typename: 'Query' } });
    // Declaring fewer bytes than sent cuts the JSON short: a parse error, not a larger body.
    const short = await rawPost({ 'content-length': 10 }, [body]);
    expect(short.status).toBe(400);
  });
});

describe('user-supplied ids cannot steer an upstream request', () => {
  it.each(['../admin', '..%2fadmin', 'u-1/../../x', 'u-1?x=1', 'u-1#frag', 'u-1@evil.example', 'u-1\r\nx-injected: 1'])('cart(userId: %j) stays one encoded path segment', async (userId) => {
    harness.reset();
    const { status, body } = await harness.query('query ($id: ID!) { cart(userId: $id) { userId items { quantity } } }', { id: userId });
    expect(status).toBe(200);
    expect(body.data).toEqual({ cart: { userId, items: [] } });
    const seen = harness.service('cart').requests;
    expect(seen.map((request) => request.url)).toEqual([`/carts/${encodeURIComponent(userId)}`]);
    expect(seen[0]!.headers['x-injected']).toBeUndefined();
  });

  it.each(['p-0001,p-0002', '../products', 'p-0001&ids=p-0002', 'p-0001#x', 'p-0001?cursor=1'])('product(id: %j) stays one encoded query value', async (id) => {
    harness.reset();
    const { body } = await harness.query('query ($id: ID!) { product(id: $id) { id } }', { id });
    expect(body).toEqual({ data: { product: null } });
    expect(harness.service('catalog').requests.map((request) => request.url)).toEqual([`/products?ids=${encodeURIComponent(id)}`]);
  });
});

describe('header policy', () => {
  it('forwards only allowlisted client headers; hop-by-hop, proxy, cookie and host never reach the upstream', async () => {
    harness.reset();
    const body = JSON.stringify({ query: '{ product(id: "p-0001") { name inventory { status } } }' });
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${harness.url}/graphql`);
      const request = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: '/graphql',
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            host: 'attacker.example',
            connection: 'keep-alive, x-secret-hop',
            'keep-alive': 'timeout=5',
            'x-secret-hop': 'hop',
            'proxy-authorization': 'Basic Zm9vOmJhcg==',
            'proxy-connection': 'keep-alive',
            te: 'trailers',
            upgrade: 'websocket',
            cookie: 'session=secret',
            authorization: 'Bearer user-token',
            'accept-language': 'de-CH',
            'x-forwarded-for': '6.6.6.6',
          },
        },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
        },
      );
      request.on('error', reject);
      request.end(body);
    });
    expect(status).toBe(200);
    for (const source of ['catalog', 'inventory'] as const) {
      const headers = harness.service(source).requests[0]!.headers;
      expect(headers.authorization).toBe('Bearer user-token');
      expect(headers['accept-language']).toBe('de-CH');
      for (const name of ['cookie', 'proxy-authorization', 'proxy-connection', 'keep-alive', 'x-secret-hop', 'te', 'trailer', 'upgrade', 'x-forwarded-for']) {
        expect(headers[name], name).toBeUndefined();
      }
      expect(headers.host).not.toBe('attacker.example');
      expect(headers.connection ?? 'keep-alive').toBe('keep-alive');
    }
  });
});

describe('CORS', () => {
  const preflight = (url: string, origin: string) =>
    fetch(`${url}/graphql`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });

  it('lets no other origin read responses in production by default', async () => {
    const response = await preflight(harness.url, 'https://evil.example');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('allows the configured origins, with credentials, and only them', async () => {
    const configured = await startHarness({ mode: 'production', security: { corsOrigins: ['https://shop.example.com', 'https://m.shop.example.com'] } });
    try {
      const allowed = await preflight(configured.url, 'https://shop.example.com');
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
      expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
      for (const origin of ['https://evil.example', 'null']) {
        const refused = await preflight(configured.url, origin);
        expect(refused.headers.get('access-control-allow-origin')).toBeNull();
        expect(refused.headers.get('access-control-allow-credentials')).toBeNull();
      }
    } finally {
      await configured.close();
    }
  });
});

describe('GraphiQL and the dashboard in production', () => {
  it('are off by default', async () => {
    const graphiql = await fetch(`${harness.url}/graphql`, { headers: { accept: 'text/html' } });
    // A browser asking for the IDE gets no page at all: 406, empty body, no content type.
    expect(graphiql.status).toBe(406);
    expect(graphiql.headers.get('content-type')).toBeNull();
    expect(await graphiql.text()).toBe('');
    expect((await fetch(`${harness.url}/dashboard`)).status).toBe(404);
  });
});

/**
 * Development mode listens on 0.0.0.0: the dashboard's fault control must not read a body without
 * bound (src/dashboard/plugin.ts). A chunked PUT keeps sending until Ballast answers; it must answer
 * 413 after a small prefix, not buffer everything the client sends.
 */
describe('dashboard fault bodies', () => {
  let development: Harness;
  beforeAll(async () => {
    development = await startHarness({ mode: 'development' });
  });
  afterAll(() => development.close());

  async function endlessPut(path: string, headers: string): Promise<{ status: number; sentBytes: number }> {
    const { hostname, port } = new URL(development.url);
    const socket = connect({ host: hostname, port: Number(port) });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.on('error', () => undefined);
    let received = '';
    socket.setEncoding('latin1').on('data', (chunk: string) => (received += chunk));
    socket.write(`PUT ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${headers}\r\n`);
    const chunk = `${(64 * 1024).toString(16)}\r\n${'x'.repeat(64 * 1024)}\r\n`;
    let sentBytes = 0;
    // Up to 64 MiB, each write after the last one drained: the server answers (or closes) long before.
    while (sentBytes < 64 * 1024 * 1024 && !received.includes('\r\n\r\n') && !socket.destroyed) {
      if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve).once('close', resolve));
      sentBytes += 64 * 1024;
    }
    if (!received.includes('\r\n\r\n') && !socket.destroyed) socket.write('0\r\n\r\n');
    await expect.poll(() => received.includes('\r\n\r\n') || socket.destroyed, { timeout: 10_000 }).toBe(true);
    socket.destroy();
    return { status: Number(received.split(' ')[1]), sentBytes };
  }

  it('a chunked PUT /dashboard/faults/catalog is refused with 413 after a bounded read', async () => {
    const { status, sentBytes } = await endlessPut('/dashboard/faults/catalog', 'Transfer-Encoding: chunked\r\n');
    expect(status).toBe(413);
    expect(sentBytes).toBeLessThan(16 * 1024 * 1024);
    // Fault control still works with a normal body.
    const healed = await fetch(`${development.url}/dashboard/faults/catalog`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"errorRate":1}' });
    expect(await healed.json()).toEqual({ source: 'catalog', fault: { errorRate: 1 } });
    await fetch(`${development.url}/dashboard/faults/catalog`, { method: 'DELETE' });
  });

  it('a PUT announcing a body over the limit is refused with 413 before it is read', async () => {
    const response = await fetch(`${development.url}/dashboard/faults/catalog`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: `{"pad":"${'x'.repeat(100 * 1024)}"}` });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: 'a fault body is at most 65536 bytes' });
  });
});
