import { exportSPKI } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoData } from '../../src/demo/data.js';
import { startHarness } from '../helpers/harness.js';
import type { GraphQLResponse, Harness } from '../helpers/harness.js';
import { AUDIENCE, ISSUER, rsaKeys, signToken, unsignedToken } from '../hostile/security-fixtures.js';

/**
 * `identity.jwt.publicKey`: tokens checked against a PEM key in the config (docs/security.md), with
 * the default algorithms, which list HS256 too. The classic confusion attack, an HS256 token whose
 * HMAC secret is that very PEM text, must meet no key at all.
 */
const PRODUCT_NAME = createDemoData().productsById.get('p-0001')!.name;
const USER_QUERY = `{ viewer { id } cart(userId: "u-1") { userId totalQuantity } product(id: "p-0001") { name } }`;
const PUBLIC_QUERY = `{ product(id: "p-0001") { name } }`;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

let harness: Harness;
let keys: { publicKey: CryptoKey; privateKey: CryptoKey };
let pem: string;

beforeAll(async () => {
  keys = await rsaKeys();
  pem = await exportSPKI(keys.publicKey);
  harness = await startHarness({ mode: 'production', identity: { mode: 'jwt', jwt: { publicKey: pem, issuer: ISSUER, audience: AUDIENCE } } });
});
afterAll(() => harness.close());

/** The exact refusal: 401, UNAUTHENTICATED with its reason, the RFC 6750 challenge, and the cart never asked. */
function expectRefused(response: GraphQLResponse, reason: string): void {
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toBe(`Bearer error="invalid_token", error_description="${reason}"`);
  expect(response.body).toEqual({ errors: [{ message: 'invalid authentication token', extensions: { code: 'UNAUTHENTICATED', reason } }] });
  expect(harness.service('cart').requestCount).toBe(0);
}

describe('identity.jwt.publicKey (a PEM key in the config)', () => {
  it('a token signed by its private key reads its own cart and public data', async () => {
    harness.service('cart').resetLog();
    const { status, body } = await harness.query(USER_QUERY, undefined, bearer(await signToken(keys.privateKey)));
    expect(status).toBe(200);
    expect(body).toEqual({ data: { viewer: { id: 'u-1' }, cart: { userId: 'u-1', totalQuantity: 6 }, product: { name: PRODUCT_NAME } } });
    expect(harness.service('cart').requestCount).toBe(1);
  });

  it.each([
    ['from another issuer', 'wrong_issuer', () => signToken(keys.privateKey, { issuer: 'https://evil.example' })],
    ['HS256 with the configured PEM public key as its HMAC secret (algorithm confusion)', 'unknown_key', () => signToken(new TextEncoder().encode(pem), { alg: 'HS256' })],
    ['signed by another RSA key', 'bad_signature', async () => signToken((await rsaKeys()).privateKey)],
    ['with alg none', 'algorithm_not_allowed', async () => unsignedToken({ sub: 'u-1', iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 300 })],
  ])('a token %s is refused with 401 (%s), and public data still answers', async (_name, reason, make) => {
    harness.service('cart').resetLog();
    expectRefused(await harness.query(USER_QUERY, undefined, bearer(await make())), reason);
    expect((await harness.query(PUBLIC_QUERY)).body).toEqual({ data: { product: { name: PRODUCT_NAME } } });
  });
});
