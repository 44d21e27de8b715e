import { exportSPKI } from 'jose';
import type { CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOURCE_NAMES } from '../../src/config-schema.js';
import { resolveConfig } from '../../src/config.js';
import type { ConfigOverrides } from '../../src/config.js';
import { createDemoData } from '../../src/demo/data.js';
import { createLogger } from '../../src/observability/logger.js';
import { createGateway } from '../../src/server.js';
import type { Gateway } from '../../src/server.js';
import { startHarness } from '../helpers/harness.js';
import type { GraphQLResponse, Harness } from '../helpers/harness.js';
import { AUDIENCE, ISSUER, rsaKeys, signToken, startHangingServer, startJwks, startRecordingUpstream, unsignedToken } from './security-fixtures.js';

const PRODUCT_NAME = createDemoData().productsById.get('p-0001')!.name;
const PUBLIC_QUERY = `{ product(id: "p-0001") { name } }`;

/** A Ballast whose upstreams are never called (CORS and validation answer before any resolver asks). */
async function startBareGateway(overrides: ConfigOverrides): Promise<{ url: string; gateway: Gateway }> {
  const sources = Object.fromEntries(SOURCE_NAMES.map((name) => [name, { url: 'http://127.0.0.1:9' }]));
  const config = resolveConfig({ port: 0, host: '127.0.0.1', logLevel: 'silent', sources }, overrides);
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
    expect(await corsOf(url, SHOP)).toEqual(granted(SHOP));
    expect(await corsOf(url, ADMIN)).toEqual(granted(ADMIN));
    expect(await corsOf(url, 'null')).toEqual({});
    expect(await corsOf(url, 'https://evil.example')).toEqual({});
    expect(await corsOf(url, `${SHOP}.evil.example`)).toEqual({});
    expect(await corsOf(url, null)).toEqual({});
    expect(await corsOf(url, ADMIN, 'OPTIONS')).toEqual({ ...granted(ADMIN), vary: 'Access-Control-Request-Headers' });
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
