import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_SOURCE_NAMES } from '../../src/declared/names.js';
import { createDemoData } from '../../src/demo/data.js';
import { resolveConfig } from '../../src/config.js';
import { createLogger } from '../../src/observability/logger.js';
import { createGateway } from '../../src/server.js';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { metricValue, scrape } from './helpers.js';

/**
 * The client-visible promises of src/plugins that the suite did not hold exactly (docs/testing.md
 * § Mutation testing): each request limit at its exact boundary with its exact refusal, the
 * graphql-armor settings (cost weights, `__typename` aliases counted, introspection and suggestions
 * only relaxed outside production), Cache-Control for personal headers and field-less answers,
 * the exact /health, /ready and /metrics answers, and a bad trusted-documents manifest refused at start.
 * Real demo upstreams and a real Ballast on loopback.
 */
const PRODUCT = createDemoData().productsById.get('p-0001')!;
const LIMITS = { maxBodyBytes: 300, maxDocumentChars: 120, maxDepth: 3, maxAliases: 2, maxDirectives: 1, maxCost: 15 };
const JSON_TYPE = 'application/json; charset=utf-8';
/**
 * Load shedding off: these tests hold exact answers, and on a busy machine (a mutation run shares
 * it) the event-loop and adaptive gates would answer some of them 503 OVERLOADED instead.
 */
const STEADY = { deadlineMs: 10_000, server: { adaptiveLimit: false, maxEventLoopDelayMs: 0, deadlineAdmission: { enabled: false } } };

/** POSTs `body` as it is, so its byte length is exactly what the test says. */
async function postRaw(url: string, body: string): Promise<{ status: number; contentType: string | null; body: unknown }> {
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: response.status, contentType: response.headers.get('content-type'), body: await response.json() };
}

/** A JSON body of exactly `bytes` bytes carrying a query for one product's name (padding in an unused variable). */
function bodyOfBytes(bytes: number): string {
  const base = JSON.stringify({ query: '{ product(id: "p-0001") { name } }', variables: { pad: '' } });
  return JSON.stringify({ query: '{ product(id: "p-0001") { name } }', variables: { pad: 'x'.repeat(bytes - base.length) } });
}

/** A chunked POST (no Content-Length), over node:http so nothing adds the header. */
function postChunked(url: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

describe('request limits at their boundaries (production)', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ ...STEADY, mode: 'production', security: LIMITS });
  });
  afterAll(() => harness.close());

  it('a body of exactly maxBodyBytes is served; one byte more is 413 BODY_TOO_LARGE, exactly', async () => {
    const fits = await postRaw(harness.url, bodyOfBytes(300));
    expect(fits.status).toBe(200);
    expect(fits.body).toEqual({ data: { product: { name: PRODUCT.name } } });
    const over = await postRaw(harness.url, bodyOfBytes(301));
    expect(over.status).toBe(413);
    expect(over.contentType).toBe(JSON_TYPE);
    expect(over.body).toEqual({ errors: [{ message: 'request body exceeds 300 bytes', extensions: { code: 'BODY_TOO_LARGE' } }] });
  });

  it('a POST without Content-Length is 411 LENGTH_REQUIRED naming the limit; a GET needs none', async () => {
    const chunked = await postChunked(harness.url, bodyOfBytes(100));
    expect(chunked.status).toBe(411);
    expect(JSON.parse(chunked.body)).toEqual({ errors: [{ message: 'POST bodies must carry Content-Length (at most 300 bytes)', extensions: { code: 'LENGTH_REQUIRED' } }] });
    const get = await fetch(`${harness.url}/graphql?query=${encodeURIComponent('{ product(id: "p-0001") { name } }')}`, { headers: { 'x-graphql-yoga-csrf': '1', accept: 'application/json' } });
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual({ data: { product: { name: PRODUCT.name } } });
  });

  it('a document of exactly maxDocumentChars runs; one character more is DOCUMENT_TOO_LARGE with both lengths', async () => {
    const query = (chars: number): string => {
      const core = '{ product(id: "p-0001") { name } }';
      return core + ' '.repeat(chars - core.length);
    };
    const fits = await harness.query(query(120));
    expect(fits.status).toBe(200);
    expect(fits.body).toEqual({ data: { product: { name: PRODUCT.name } } });
    const over = await harness.query(query(121));
    expect(over.status).toBe(400);
    expect(over.body.errors).toEqual([{ message: 'query document is 121 characters; the limit is 120', extensions: { code: 'DOCUMENT_TOO_LARGE' } }]);
  });

  it('armor refusals are 400 QUERY_TOO_COMPLEX with the "Syntax Error: " prefix taken off', async () => {
    const deep = await harness.query('{ products(first: 1) { edges { node { name } } } }');
    expect(deep.status).toBe(400);
    expect(deep.body.errors).toEqual([{ message: 'Query depth limit of 3 exceeded, found 4.', extensions: { code: 'QUERY_TOO_COMPLEX' } }]);
    const directives = await harness.query('{ product(id: "p-0001") { name @include(if: true) @skip(if: false) } }');
    expect(directives.status).toBe(400);
    expect(directives.body.errors).toEqual([{ message: 'Directives limit of 1 exceeded, found 2.', extensions: { code: 'QUERY_TOO_COMPLEX' } }]);
  });

  it('aliases of __typename count against maxAliases too', async () => {
    const refused = await harness.query('{ a: __typename b: __typename c: __typename }');
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([{ message: 'Aliases limit of 2 exceeded, found 3.', extensions: { code: 'QUERY_TOO_COMPLEX' } }]);
    const fits = await harness.query('{ a: __typename b: __typename }');
    expect(fits.body).toEqual({ data: { a: 'Query', b: 'Query' } });
  });

  it('cost is objects × 2 and scalars × 1, times 1.5 per level of depth: 2 + 3 × 1.5 + 2 × 1.5 + 3 × 2.25 = 16.25', async () => {
    const refused = await harness.query('{ product(id: "p-0001") { name description category price { amount currency formatted } } }');
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([{ message: 'Query Cost limit of 15 exceeded, found 16.25.', extensions: { code: 'QUERY_TOO_COMPLEX' } }]);
  });

  it('introspection counts against depth and cost in production, and a typo gets no suggestion', async () => {
    const deep = await harness.query('{ __schema { types { fields { type { name } } } } }');
    expect(deep.status).toBe(400);
    expect(deep.body.errors?.[0]?.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX' });
    const typo = await harness.query('{ prodct(id: "p-0001") { name } }');
    expect(typo.body.errors?.map((error) => error.message)).toEqual(['Cannot query field "prodct" on type "Query". [Suggestion hidden]']);
  });

  it('still answers a normal query after the refusals', async () => {
    const { status, body } = await harness.query('{ product(id: "p-0001") { name } }');
    expect(status).toBe(200);
    expect(body).toEqual({ data: { product: { name: PRODUCT.name } } });
  });
});

describe('request limits outside production', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ ...STEADY, mode: 'development', security: LIMITS });
  });
  afterAll(() => harness.close());

  it('introspection is exempt from depth and cost, and a typo gets its suggestion', async () => {
    const deep = await harness.query('{ __schema { queryType { fields { type { name } } } } }');
    expect(deep.status).toBe(200);
    expect(deep.body.errors).toBeUndefined();
    const typo = await harness.query('{ prodct(id: "p-0001") { name } }');
    expect(typo.body.errors?.map((error) => error.message)).toEqual(['Cannot query field "prodct" on type "Query". Did you mean "product" or "products"?']);
  });

  it('the GraphiQL page is not an answer: it gets no Cache-Control', async () => {
    const page = await fetch(`${harness.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html');
    expect(page.headers.get('cache-control')).toBeNull();
  });
});

describe('Cache-Control beyond the healthy public page', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ ...STEADY, identity: { mode: 'header' } });
  });
  afterAll(() => harness.close());

  const get = (query: string, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${harness.url}/graphql?query=${encodeURIComponent(query)}`, { headers: { 'x-graphql-yoga-csrf': '1', accept: 'application/json', ...headers } });

  it('a public page is public with exactly its max-age and Vary; anything else has no Vary', async () => {
    const page = await get('{ product(id: "p-0001") { name price { amount } } }');
    expect(page.headers.get('cache-control')).toBe('public, max-age=10');
    expect(page.headers.get('vary')).toBe('Accept, Accept-Language');
    const noStore = await get('{ __typename }');
    expect(noStore.headers.get('cache-control')).toBe('no-store');
    expect(noStore.headers.get('vary')).toBeNull();
  });

  it('a document without any listed field is no-store (no max-age to give)', async () => {
    const response = await get('{ __typename }');
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('the identity header, a cookie or an Authorization header make a public page private', async () => {
    const personal: Array<Record<string, string>> = [{ 'x-user-id': 'u-1' }, { cookie: 'session=1' }, { authorization: 'Bearer x' }];
    for (const headers of personal) {
      const response = await get('{ product(id: "p-0001") { name } }', headers);
      expect(response.headers.get('cache-control')).toBe('private, no-store');
    }
  });

  it('/health, /ready and /metrics keep their own no-store; a 404 path gets no Cache-Control from GraphQL', async () => {
    for (const path of ['/health', '/ready', '/metrics']) {
      expect((await fetch(`${harness.url}${path}`)).headers.get('cache-control')).toBe('no-store');
    }
    const unknown = await fetch(`${harness.url}/nope`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('cache-control')).toBeNull();
  });
});

describe('/health, /ready and /metrics answer exactly', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ ...STEADY, sources: { reviews: { breaker: { enabled: false } } } });
  });
  afterAll(() => harness.close());

  it('/health lists every source with its breaker state (DISABLED without one), criticality and URL', async () => {
    const response = await fetch(`${harness.url}/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(JSON_TYPE);
    const body = (await response.json()) as { status: string; pid: number; criticalOpen: string[]; sources: Record<string, { state: string; critical: boolean; url: string | null }> };
    expect(body.status).toBe('ok');
    expect(body.pid).toBe(process.pid);
    expect(body.criticalOpen).toEqual([]);
    expect(body.sources.reviews).toEqual({ state: 'DISABLED', critical: false, url: harness.demo.urls.reviews });
    expect(body.sources.catalog).toEqual({ state: 'CLOSED', critical: true, url: harness.demo.urls.catalog });
  });

  it('/ready is exactly { ready, reasons, pid }; HEAD is answered too, POST is not', async () => {
    const ready = await fetch(`${harness.url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, reasons: [], pid: process.pid });
    const head = await fetch(`${harness.url}/health`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe(JSON_TYPE);
    const post = await fetch(`${harness.url}/ready`, { method: 'POST' });
    expect(post.status).toBe(404);
  });

  it('/metrics is Prometheus text on GET only, counting the named and the anonymous operation', async () => {
    await harness.query('query ProductName { product(id: "p-0001") { name } }');
    await harness.query('{ product(id: "p-0001") { name } }');
    const response = await fetch(`${harness.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await scrape(harness);
    expect(metricValue(text, 'ballast_graphql_requests_total', { operation: 'ProductName', result: 'ok' })).toBe(1);
    expect(metricValue(text, 'ballast_graphql_requests_total', { operation: 'anonymous', result: 'ok' })).toBe(1);
    expect((await fetch(`${harness.url}/metrics`, { method: 'POST' })).status).toBe(404);
  });
});

describe('a trusted-documents manifest that cannot be used stops the start', () => {
  // The gateway is never started: the manifest is read while it is built.
  const UNUSED_URLS = Object.fromEntries(ALL_SOURCE_NAMES.map((name) => [name, { url: 'http://127.0.0.1:9' }]));
  const start = (manifest: string): (() => unknown) => () =>
    createGateway(resolveConfig({ port: 0, host: '127.0.0.1', logLevel: 'silent', sources: UNUSED_URLS }, { trustedDocuments: { manifest } }), { logger: createLogger('silent'), processMetrics: false });

  it('names the file and what is wrong with it', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'ballast-manifest-'));
    const cases: Array<[string, string]> = [
      ['[]', 'expected an object of hash → document strings'],
      ['null', 'expected an object of hash → document strings'],
      ['"text"', 'expected an object of hash → document strings'],
      ['{"abc": 5}', 'expected an object of hash → document strings'],
    ];
    for (const [index, [content, problem]] of cases.entries()) {
      const file = join(dir, `m${index}.json`);
      await writeFile(file, content);
      expect(start(file)).toThrow(`trustedDocuments.manifest ${file}: ${problem}`);
    }
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{');
    expect(start(broken)).toThrow(new RegExp(`^trustedDocuments\\.manifest ${broken.replaceAll('.', '\\.')}: .*JSON`));
  });
});

describe('rate limit behind a trusted proxy, counted', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ ...STEADY, security: { rateLimit: { requestsPerSecond: 0.2, burst: 1, trustProxy: true } } });
  });
  afterAll(() => harness.close());

  const send = (forwardedFor: string) => harness.query('{ product(id: "p-0001") { name } }', undefined, { 'x-forwarded-for': forwardedFor });

  it('buckets by the trimmed last X-Forwarded-For entry: earlier entries (client-written) pick no bucket', async () => {
    expect((await send('10.0.0.1, 10.1.1.1')).status).toBe(200);
    const refused = await send('10.0.0.2,10.1.1.1 ');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(refused.body).toEqual({ errors: [{ message: 'too many requests; retry in 5 s', extensions: { code: 'RATE_LIMITED' } }] });
    expect(metricValue(await scrape(harness), 'ballast_requests_shed_total', { reason: 'rate_limited' })).toBe(1);
    const other = await send('10.1.1.2');
    expect(other.status).toBe(200);
    expect(other.body).toEqual({ data: { product: { name: PRODUCT.name } } });
  });

  it('an empty X-Forwarded-For falls back to the socket address, which has a bucket of its own', async () => {
    expect((await send('')).status).toBe(200);
    expect((await send('')).status).toBe(429);
    expect((await send('10.2.2.2')).status).toBe(200);
  });
});

describe('the Authorization header under JWT identity', () => {
  const SECRET = 'a-plugins-mutants-secret-long-enough-for-hs256';
  let harness: Harness;
  let token: string;
  beforeAll(async () => {
    harness = await startHarness({ ...STEADY, identity: { mode: 'jwt', jwt: { secret: SECRET, algorithms: ['HS256'] } } });
    token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('u-1').setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));
  });
  afterAll(() => harness.close());

  const viewer = (authorization: string) => harness.query('{ viewer { id } }', undefined, { authorization });

  it('takes the token after one or more spaces, trailing spaces ignored', async () => {
    for (const header of [`Bearer ${token}`, `Bearer   ${token}`, `Bearer ${token}   `]) {
      const { status, body } = await viewer(header);
      expect(status).toBe(200);
      expect(body).toEqual({ data: { viewer: { id: 'u-1' } } });
    }
  });

  it('any other shape is 400 BAD_REQUEST before verification; a normal query still answers after', async () => {
    for (const header of ['Bearer', `Bearer${token}`, `bearer ${token}`, `xBearer ${token}`, `Bearer ${token} extra`, `Bearer ${token}x y`]) {
      const { status, body } = await viewer(header);
      expect({ header, status }).toEqual({ header, status: 400 });
      expect(body).toEqual({ errors: [{ message: 'the Authorization header must be "Bearer <token>"', extensions: { code: 'BAD_REQUEST' } }] });
    }
    const { status, body } = await harness.query('{ product(id: "p-0001") { name } }');
    expect(status).toBe(200);
    expect(body).toEqual({ data: { product: { name: PRODUCT.name } } });
  });

  it('a token that fails verification is 401 with the reason in the challenge', async () => {
    const { status, headers, body } = await viewer(`Bearer ${token.slice(0, -2)}xx`);
    expect(status).toBe(401);
    expect(headers.get('www-authenticate')).toBe('Bearer error="invalid_token", error_description="bad_signature"');
    expect(body).toEqual({ errors: [{ message: 'invalid authentication token', extensions: { code: 'UNAUTHENTICATED', reason: 'bad_signature' } }] });
  });
});

describe('automatic persisted queries: only a version-1 extension with a string hash is one', () => {
  const QUERY = '{ product(id: "p-0001") { name } }';
  const hash = createHash('sha256').update(QUERY).digest('hex');
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ ...STEADY, mode: 'production' });
  });
  afterAll(() => harness.close());

  const post = (body: unknown) => postRaw(harness.url, JSON.stringify(body));

  it('a version-1 hash it does not know is 404 PersistedQueryNotFound; sent with its query it is kept and then runs by hash', async () => {
    const unknown = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] });
    const registered = await post({ query: QUERY, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
    expect(registered.body).toEqual({ data: { product: { name: PRODUCT.name } } });
    const byHash = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
    expect(byHash.status).toBe(200);
    expect(byHash.body).toEqual({ data: { product: { name: PRODUCT.name } } });
  });

  it('another version, a hash that is not a string, or a null extension: the request is an ordinary one', async () => {
    for (const persistedQuery of [{ version: 2, sha256Hash: 'f'.repeat(64) }, { version: 1, sha256Hash: 5 }, null]) {
      const withQuery = await post({ query: QUERY, extensions: { persistedQuery } });
      expect(withQuery.status).toBe(200);
      expect(withQuery.body).toEqual({ data: { product: { name: PRODUCT.name } } });
    }
    const noQuery = await post({ extensions: { persistedQuery: { version: 2, sha256Hash: hash } } });
    // Not looked up at all: Yoga's own answer to a body without a query (200 under application/json).
    expect(noQuery.status).toBe(200);
    expect(noQuery.body).toEqual({ errors: [{ message: 'Must provide query string.', extensions: { code: 'BAD_REQUEST' } }] });
  });
});

describe('a streamed (@defer) answer keeps its upstream calls until the last payload', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ ...STEADY });
  });
  afterAll(() => harness.close());

  /** The JSON payloads of a multipart/mixed answer, in order. */
  async function payloads(query: string): Promise<unknown[]> {
    const response = await fetch(`${harness.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'multipart/mixed' }, body: JSON.stringify({ query }) });
    const text = await response.text();
    return text
      .split('\r\n---')
      .filter((section) => section.includes('Content-Type'))
      .map((section) => JSON.parse(section.slice(section.indexOf('\r\n\r\n') + 4)) as unknown);
  }

  it('a deferred field whose upstream answers after the first payload still gets the value the upstream holds', async () => {
    harness.service('inventory').setFault({ latencyMs: 150 });
    try {
      const parts = await payloads('{ product(id: "p-0001") { name ... @defer { inventory { available } } } }');
      expect(parts).toEqual([
        { data: { product: { name: PRODUCT.name } }, hasNext: true },
        { incremental: [{ data: { inventory: { available: createDemoData().stock.get('p-0001') } }, path: ['product'] }], hasNext: false },
      ]);
    } finally {
      harness.service('inventory').clearFault();
    }
  });
});
