import { exportSPKI } from 'jose';
import type { CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_SOURCE_NAMES as SOURCE_NAMES } from '../../src/declared/names.js';
import { resolveConfig } from '../../src/config.js';
import type { ConfigOverrides } from '../../src/config.js';
import { createDemoData } from '../../src/demo/data.js';
import { createLogger } from '../../src/observability/logger.js';
import { createGateway } from '../../src/server.js';
import type { Gateway } from '../../src/server.js';
import { startHarness } from '../helpers/harness.js';
import { mutationSteadyLayer } from '../helpers/mutation-steady.js';
import type { GraphQLResponse, Harness } from '../helpers/harness.js';
import { AUDIENCE, ISSUER, rsaKeys, signToken, startHangingServer, startJwks, startRecordingUpstream, unsignedToken } from './security-fixtures.js';

const PRODUCT_NAME = createDemoData().productsById.get('p-0001')!.name;
const PUBLIC_QUERY = `{ product(id: "p-0001") { name } }`;

/**
 * A Ballast whose upstreams are never called (CORS and validation answer before any resolver asks).
 * Load shedding is off (the steady layer, always): these gateways share this process's event loop,
 * and on a loaded runner its lag answered a lone CORS request 503 OVERLOADED; shedding is not under test here.
 */
async function startBareGateway(overrides: ConfigOverrides): Promise<{ url: string; gateway: Gateway }> {
  const sources = Object.fromEntries(SOURCE_NAMES.map((name) => [name, { url: 'http://127.0.0.1:9' }]));
  const config = resolveConfig({ port: 0, host: '127.0.0.1', logLevel: 'silent', sources }, mutationSteadyLayer({ MUTATION_STEADY: '1' }), overrides);
  const gateway = createGateway(config, { logger: createLogger('silent'), processMetrics: false });
  return { url: await gateway.listen(), gateway };
}

describe('CORS: credentials only ever for a listed origin', () => {
  const SHOP = 'https://shop.example';
  const ADMIN = 'https://admin.example';
  const CORS_HEADERS = ['access-control-allow-origin', 'access-control-allow-credentials', 'access-control-allow-methods', 'access-control-expose-headers', 'access-control-max-age', 'vary'];
  const gateways: Gateway[] = [];
  afterAll(() => Promise.all(gateways.map((gateway) => gateway.close({ graceMs: 100 }))));

  async function start(overrides: ConfigOverrides): Promise<string> {
    const { url, gateway } = await startBareGateway(overrides);
    gateways.push(gateway);
    return url;
  }

  /** The CORS headers of a POST (or a preflight) from `origin`; a header the server did not send is absent. */
  async function corsOf(url: string, origin: string | null, method: 'POST' | 'OPTIONS' = 'POST', status = method === 'POST' ? 200 : 204): Promise<Record<string, string>> {
    const headers: Record<string, string> = method === 'POST' ? { 'content-type': 'application/json' } : { 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' };
    if (origin !== null) headers.origin = origin;
    const response = await fetch(`${url}/graphql`, { method, headers, ...(method === 'POST' ? { body: JSON.stringify({ query: '{ __typename }' }) } : {}) });
    expect(response.status).toBe(status);
    await response.arrayBuffer();
    const found = Object.fromEntries(CORS_HEADERS.flatMap((name) => (response.headers.has(name) ? [[name, response.headers.get(name)!]] : [])));
    // A wildcard would let any page read the answers: never, whatever else the test expects.
    expect(found['access-control-allow-origin']).not.toBe('*');
    return found;
  }

  const granted = (origin: string) => ({
    'access-control-allow-origin': origin,
    'access-control-allow-credentials': 'true',
    'access-control-allow-methods': 'GET, POST',
    'access-control-expose-headers': 'x-request-id',
    'access-control-max-age': '600',
  });

  it('one listed origin: that origin gets credentials; null, unlisted and no Origin get nothing', async () => {
    const url = await start({ mode: 'production', security: { corsOrigins: [SHOP] } });
    expect(await corsOf(url, SHOP)).toEqual(granted(SHOP));
    expect(await corsOf(url, 'null')).toEqual({});
    expect(await corsOf(url, 'https://evil.example')).toEqual({});
    expect(await corsOf(url, null)).toEqual({});
  });

  it('two listed origins: each gets itself; Origin null and unlisted origins get no CORS headers, preflights too', async () => {
    const url = await start({ mode: 'production', security: { corsOrigins: [SHOP, ADMIN] } });
    // Two or more origins: the answer depends on Origin, so caches are told.
    expect(await corsOf(url, SHOP)).toEqual({ ...granted(SHOP), vary: 'Origin' });
    expect(await corsOf(url, ADMIN)).toEqual({ ...granted(ADMIN), vary: 'Origin' });
    expect(await corsOf(url, 'null')).toEqual({});
    expect(await corsOf(url, 'https://evil.example')).toEqual({});
    expect(await corsOf(url, `${SHOP}.evil.example`)).toEqual({});
    expect(await corsOf(url, null)).toEqual({});
    expect(await corsOf(url, ADMIN, 'OPTIONS')).toEqual({ ...granted(ADMIN), vary: 'Origin, Access-Control-Request-Headers' });
    expect(await corsOf(url, 'https://evil.example', 'OPTIONS')).toEqual({});
    expect(await corsOf(url, 'null', 'OPTIONS')).toEqual({});
  });

  it('production without corsOrigins: same-origin only, no CORS headers for anyone', async () => {
    const url = await start({ mode: 'production', security: { corsOrigins: [] } });
    expect(await corsOf(url, SHOP)).toEqual({});
    expect(await corsOf(url, 'null')).toEqual({});
    // Without a CORS policy Yoga answers the preflight itself (no OPTIONS handler: 403), still without CORS headers.
    expect(await corsOf(url, SHOP, 'OPTIONS', 403)).toEqual({});
  });

  it('development without corsOrigins: any origin is reflected, never with credentials', async () => {
    const url = await start({ mode: 'development', security: { corsOrigins: [] } });
    const reflected = (origin: string) => ({
      'access-control-allow-origin': origin,
      'access-control-allow-methods': 'GET, POST',
      'access-control-expose-headers': 'x-request-id',
      'access-control-max-age': '600',
      vary: 'Origin',
    });
    expect(await corsOf(url, 'http://localhost:5173')).toEqual(reflected('http://localhost:5173'));
    expect(await corsOf(url, 'null')).toEqual(reflected('null'));
    expect(await corsOf(url, null)).toEqual({});
  });
});

const USER_QUERY = `{ viewer { id } cart(userId: "u-1") { userId totalQuantity } product(id: "p-0001") { name } }`;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The exact refusal of a token: 401, UNAUTHENTICATED, the reason, and the RFC 6750 challenge. */
function expectRefused(response: GraphQLResponse, reason: string): void {
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toBe(`Bearer error="invalid_token", error_description="${reason}"`);
  expect(response.body).toEqual({ errors: [{ message: 'invalid authentication token', extensions: { code: 'UNAUTHENTICATED', reason } }] });
}

describe('identity: tokens verified against a real JWKS endpoint', () => {
  let harness: Harness;
  let keys: { publicKey: CryptoKey; privateKey: CryptoKey };
  let jwks: Awaited<ReturnType<typeof startJwks>>;
  beforeAll(async () => {
    keys = await rsaKeys();
    jwks = await startJwks(keys.publicKey);
    harness = await startHarness({ mode: 'production', identity: { mode: 'jwt', jwt: { jwksUrl: jwks.url, issuer: ISSUER, audience: AUDIENCE, jwksTimeoutMs: 1000 } } });
  });
  afterAll(async () => {
    await harness.close();
    await jwks.close();
  });

  it('a good token reads its own cart and public data', async () => {
    const { status, body } = await harness.query(USER_QUERY, undefined, bearer(await signToken(keys.privateKey)));
    expect(status).toBe(200);
    expect(body).toEqual({ data: { viewer: { id: 'u-1' }, cart: { userId: 'u-1', totalQuantity: 6 }, product: { name: PRODUCT_NAME } } });
  });

  it.each([
    ['expired', 'expired', () => signToken(keys.privateKey, { expiresIn: '-1m' })],
    ['from another issuer', 'wrong_issuer', () => signToken(keys.privateKey, { issuer: 'https://evil.example' })],
    ['for another audience', 'wrong_audience', () => signToken(keys.privateKey, { audience: 'someone-else' })],
    ['without exp (identity.jwt.requireExp)', 'missing_claim', () => signToken(keys.privateKey, { expiresIn: null })],
    ['with alg none', 'algorithm_not_allowed', async () => unsignedToken({ sub: 'u-1', iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 300 })],
    ['HS256 signed with the RS public key as secret (algorithm confusion)', 'unknown_key', async () => signToken(new TextEncoder().encode(await exportSPKI(keys.publicKey)), { alg: 'HS256' })],
    ['with a kid the JWKS does not have', 'unknown_key', () => signToken(keys.privateKey, { kid: 'key-404' })],
    ['signed by another key under the same kid', 'bad_signature', async () => signToken((await rsaKeys()).privateKey)],
    ['that is not a JWT', 'malformed', async () => 'not.a.jwt'],
  ])('a token %s is refused with 401 UNAUTHENTICATED (%s)', async (_name, reason, make) => {
    expectRefused(await harness.query(USER_QUERY, undefined, bearer(await make())), reason);
    // The refusal cost nothing else: public data still answers.
    expect((await harness.query(PUBLIC_QUERY)).body).toEqual({ data: { product: { name: PRODUCT_NAME } } });
  });

  it('an Authorization header that is not a bearer token is a 400', async () => {
    const { status, body } = await harness.query(USER_QUERY, undefined, { authorization: 'Basic dTpw' });
    expect(status).toBe(400);
    expect(body).toEqual({ errors: [{ message: 'the Authorization header must be "Bearer <token>"', extensions: { code: 'BAD_REQUEST' } }] });
  });
});

describe('identity: a JWKS endpoint that hangs', () => {
  const JWKS_TIMEOUT_MS = 1000;
  const SLACK_MS = 400;
  let harness: Harness;
  let hanging: Awaited<ReturnType<typeof startHangingServer>>;
  let privateKey: CryptoKey;
  beforeAll(async () => {
    privateKey = (await rsaKeys()).privateKey;
    hanging = await startHangingServer();
    harness = await startHarness({ mode: 'production', identity: { mode: 'jwt', jwt: { jwksUrl: hanging.url, issuer: ISSUER, audience: AUDIENCE, jwksTimeoutMs: JWKS_TIMEOUT_MS, jwksCooldownMs: 60_000 } } });
  });
  afterAll(async () => {
    await harness.close();
    await hanging.close();
  });

  async function timed(headers: Record<string, string>): Promise<{ elapsedMs: number; response: GraphQLResponse }> {
    const started = performance.now();
    const response = await harness.query(USER_QUERY, undefined, headers);
    return { elapsedMs: performance.now() - started, response };
  }

  const unavailable = {
    data: { viewer: null, cart: null, product: { name: PRODUCT_NAME } },
    errors: [{
      message: 'your token cannot be checked right now (identity provider unavailable); try again shortly',
      path: ['cart'],
      locations: [{ line: 1, column: 17 }],
      extensions: { code: 'UNAUTHENTICATED', reason: 'identity_unavailable' },
    }],
  };

  it('holds a request no longer than its deadline, then the JWKS timeout, then not at all (cooldown); public data answers throughout', async () => {
    const token = await signToken(privateKey);
    // Warm up (connections, first compilation) so the timings below measure the wait for keys.
    expect((await harness.query(`{ cart(userId: "u-1") { userId } }`)).status).toBe(200);
    // A request with a 300 ms deadline waits 300 ms for the keys, not the JWKS timeout.
    const started = performance.now();
    const short = await harness.query(`{ cart(userId: "u-1") { userId } }`, undefined, { ...bearer(token), 'x-ballast-deadline-ms': '300' });
    expect(performance.now() - started).toBeLessThan(300 + SLACK_MS);
    expect(short.status).toBe(200);
    expect(short.body).toEqual({ data: { cart: null }, errors: [{ ...unavailable.errors[0], locations: [{ line: 1, column: 3 }] }] });
    // The next one joins the same fetch and waits until its timeout, never longer.
    const bounded = await timed(bearer(token));
    expect(bounded.response.body).toEqual(unavailable);
    expect(bounded.elapsedMs).toBeLessThan(JWKS_TIMEOUT_MS + SLACK_MS);
    // After the failure the endpoint is not asked again within the cooldown: no wait at all.
    for (let i = 0; i < 3; i += 1) {
      const cooled = await timed(bearer(token));
      expect(cooled.response.body).toEqual(unavailable);
      expect(cooled.elapsedMs).toBeLessThan(SLACK_MS);
    }
    expect(hanging.requests()).toBe(1);
    // Without a token, nothing waits for the identity provider.
    const anonymous = await timed({});
    expect(anonymous.response.body).toEqual({
      data: { viewer: null, cart: null, product: { name: PRODUCT_NAME } },
      errors: [{ message: 'sign in to read user data', path: ['cart'], locations: [{ line: 1, column: 17 }], extensions: { code: 'UNAUTHENTICATED' } }],
    });
    expect((await harness.query(PUBLIC_QUERY)).body).toEqual({ data: { product: { name: PRODUCT_NAME } } });
  });
});

describe('path segments: user ids never name another upstream resource', () => {
  let harness: Harness;
  let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>;
  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    harness = await startHarness({ mode: 'production', sources: { cart: { url: upstream.url } } });
  });
  afterAll(async () => {
    await harness.close();
    await upstream.close();
  });
  const CART = `query ($id: ID!) { cart(userId: $id) { userId totalQuantity } }`;

  it.each([
    ['../admin', '/carts/..%2Fadmin'],
    ['a/b', '/carts/a%2Fb'],
    ['a/../b', '/carts/a%2F..%2Fb'],
    ['%2e%2e', '/carts/%252e%252e'],
    ['\\', '/carts/%5C'],
    ['?', '/carts/%3F'],
    ['#', '/carts/%23'],
    ['u.1', '/carts/u.1'],
  ])('user id %j reaches the upstream as exactly %s', async (id, raw) => {
    upstream.paths.length = 0;
    const { status, body } = await harness.query(CART, { id });
    expect(status).toBe(200);
    expect(body).toEqual({ data: { cart: { userId: id, totalQuantity: 0 } } });
    expect(upstream.paths).toEqual([raw]);
  });

  it.each(['.', '..', ''])('user id %j is refused as BAD_USER_INPUT and never sent upstream', async (id) => {
    upstream.paths.length = 0;
    const { status, body } = await harness.query(CART, { id });
    expect(status).toBe(200);
    expect(body).toEqual({
      data: { cart: null },
      errors: [{ message: `"${id}" is not a user id: empty, "." and ".." are refused`, path: ['cart'], locations: [{ line: 1, column: 20 }], extensions: { code: 'BAD_USER_INPUT' } }],
    });
    const favorites = await harness.query(`query ($id: ID!) { favorites(userId: $id) { id } }`, { id });
    expect(favorites.body.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT' });
    expect(upstream.paths).toEqual([]);
    expect((await harness.query(PUBLIC_QUERY)).body).toEqual({ data: { product: { name: PRODUCT_NAME } } });
  });

  it('a caller named ".." by the gateway in front is refused too, and nothing reaches the upstream', async () => {
    const gateway = await startHarness({ mode: 'production', identity: { mode: 'header', header: 'x-user-id' }, sources: { cart: { url: upstream.url } } });
    try {
      upstream.paths.length = 0;
      const { body } = await gateway.query(`{ viewer { id cart { userId } } }`, undefined, { 'x-user-id': '..' });
      expect(body).toEqual({
        data: { viewer: null },
        errors: [{ message: '".." is not a user id: empty, "." and ".." are refused', path: ['viewer'], locations: [{ line: 1, column: 3 }], extensions: { code: 'BAD_USER_INPUT' } }],
      });
      expect(upstream.paths).toEqual([]);
    } finally {
      await gateway.close();
    }
  });
});

describe('alias limit: every alias counts, __typename included', () => {
  let url: string;
  let gateway: Gateway;
  beforeAll(async () => {
    ({ url, gateway } = await startBareGateway({ mode: 'production', security: { maxAliases: 15 } }));
  });
  afterAll(() => gateway.close({ graceMs: 100 }));
  const typenames = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `t${from + i}: __typename`).join(' ');
  const post = async (query: string) => {
    const response = await fetch(`${url}/graphql`, { method: 'POST', body: JSON.stringify({ query }), headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' } });
    return { status: response.status, body: (await response.json()) as GraphQLResponse['body'] };
  };
  const refused = (found: number) => ({ status: 400, body: { errors: [{ message: `Aliases limit of 15 exceeded, found ${found}.`, extensions: { code: 'QUERY_TOO_COMPLEX' } }] } });

  it('15 aliased __typename answer; 16 and 200 are refused before execution', async () => {
    const fifteen = await post(`{ ${typenames(15)} }`);
    expect(fifteen).toEqual({ status: 200, body: { data: Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`t${i}`, 'Query'])) } });
    expect(await post(`{ ${typenames(16)} }`)).toEqual(refused(16));
    expect(await post(`{ ${typenames(200)} }`)).toEqual(refused(200));
  });

  it('aliases inside fragments count as well', async () => {
    expect(await post(`{ ${typenames(8)} ...More } fragment More on Query { ${typenames(8, 8)} }`)).toEqual(refused(16));
    expect(await post(`{ ${typenames(8)} ... on Query { ${typenames(8, 8)} } }`)).toEqual(refused(16));
    expect((await post(`{ ${typenames(7)} ...More } fragment More on Query { ${typenames(8, 7)} }`)).status).toBe(200);
    expect(await post('{ __typename }')).toEqual({ status: 200, body: { data: { __typename: 'Query' } } });
  });
});
