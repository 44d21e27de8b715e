import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
const ISSUER = 'https://id.example';
const AUDIENCE = 'ballast';

async function token(subject: string, options: { secret?: string; expiresIn?: string; audience?: string } = {}): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject)
    .setIssuer(ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '5m')
    .sign(new TextEncoder().encode(options.secret ?? SECRET));
}

const VIEWER = `{ viewer { id cart { userId totalQuantity } favorites { id } } }`;
const CART = `query ($id: ID!) { cart(userId: $id) { userId totalQuantity } }`;

describe('identity from a verified JWT', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ mode: 'production', identity: { mode: 'jwt', jwt: { secret: SECRET, issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] } } });
  });
  afterAll(() => harness.close());
  const bearer = (jwt: string) => ({ authorization: `Bearer ${jwt}` });

  it('answers the caller their own viewer, cart and favorites', async () => {
    const { status, body } = await harness.query(VIEWER, undefined, bearer(await token('u-1')));
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data).toMatchObject({ viewer: { id: 'u-1', cart: { userId: 'u-1', totalQuantity: 6 } } });
    expect((body.data!.viewer as { favorites: unknown[] }).favorites).toHaveLength(2);
    const own = await harness.query(CART, { id: 'u-1' }, bearer(await token('u-1')));
    expect(own.body.data).toEqual({ cart: { userId: 'u-1', totalQuantity: 6 } });
  });

  it("refuses another user's cart and favorites with FORBIDDEN", async () => {
    const jwt = await token('u-1');
    const cart = await harness.query(CART, { id: 'u-2' }, bearer(jwt));
    expect(cart.body.data).toEqual({ cart: null });
    expect(cart.body.errors?.[0]).toMatchObject({ path: ['cart'], extensions: { code: 'FORBIDDEN' } });
    const favorites = await harness.query(`{ favorites(userId: "u-2") { id } }`, undefined, bearer(jwt));
    expect(favorites.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(harness.service('cart').requests.some((request) => request.url === '/carts/u-2')).toBe(false);
  });

  it('without a token: public data answers, user data is UNAUTHENTICATED, viewer is null', async () => {
    const { body } = await harness.query(`{ viewer { id } product(id: "p-0001") { name } cart(userId: "u-1") { userId } }`);
    expect(body.data).toMatchObject({ viewer: null, product: { name: expect.any(String) }, cart: null });
    expect(body.errors?.[0]).toMatchObject({ path: ['cart'], extensions: { code: 'UNAUTHENTICATED' } });
  });

  it.each([
    ['an expired token', 401, () => token('u-1', { expiresIn: '-1m' })],
    ['a bad signature', 401, () => token('u-1', { secret: 'another-secret-that-is-also-long-enough!!' })],
    ['the wrong audience', 401, () => token('u-1', { audience: 'someone-else' })],
    ['a token that is not a JWT', 401, async () => 'not.a.jwt'],
  ])('refuses %s with %i and no detail', async (_name, expected, make) => {
    const { status, body } = await harness.query(VIEWER, undefined, bearer(await make()));
    expect(status).toBe(expected);
    expect(JSON.stringify(body)).not.toMatch(/secret|stack|node_modules/);
  });
});

describe('identity from a JWKS endpoint', () => {
  it('verifies RS256 tokens with keys fetched from the identity provider', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
    const jwks = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const harness = await startHarness({
      identity: { mode: 'jwt', jwt: { jwksUrl: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`, issuer: ISSUER, algorithms: ['RS256'] } },
    });
    try {
      const jwt = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'key-1' }).setSubject('u-3').setIssuer(ISSUER).setExpirationTime('5m').sign(privateKey);
      const { body } = await harness.query(`{ viewer { id } }`, undefined, { authorization: `Bearer ${jwt}` });
      expect(body).toEqual({ data: { viewer: { id: 'u-3' } } });
    } finally {
      await harness.close();
      jwks.close();
    }
  });
});

describe('identity from a header set by the API gateway in front', () => {
  it('reads the caller from the configured header', async () => {
    const harness = await startHarness({ identity: { mode: 'header', header: 'x-user-id' } });
    try {
      const { body } = await harness.query(`{ viewer { id cart { userId } } }`, undefined, { 'x-user-id': 'u-2' });
      expect(body.data).toEqual({ viewer: { id: 'u-2', cart: { userId: 'u-2' } } });
      const other = await harness.query(CART, { id: 'u-1' }, { 'x-user-id': 'u-2' });
      expect(other.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    } finally {
      await harness.close();
    }
  });
});

describe('the embedded demo', () => {
  it('runs without identity: anyone may read any cart, viewer is null', async () => {
    const harness = await startHarness();
    try {
      const { body } = await harness.query(`{ viewer { id } cart(userId: "u-2") { userId } }`);
      expect(body).toEqual({ data: { viewer: null, cart: { userId: 'u-2' } } });
    } finally {
      await harness.close();
    }
  });
});
