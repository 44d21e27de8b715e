import { getEventListeners } from 'node:events';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { upstreamCount } from './helpers.js';

/**
 * The request lifecycle's hold on the client's signal (src/plugins/use-request-lifecycle.ts): its
 * abort listener is dropped when the answer goes out, fires once when the client leaves during
 * execution, and a client already gone when execution starts ends the request's loads at once.
 * Over node:http the server aborts `request.signal` when the response closes unfinished; here the
 * test holds that signal itself by handing the gateway's own Yoga a `Request` (`yoga.fetch`), so
 * it can count the signal's listeners and abort it at a chosen moment.
 */

const P1 = { id: 'p-0001', name: 'Cozy Bamboo Trail Pack' };
const NAME_QUERY = '{ product(id: "p-0001") { id name } }';
const PRICED_QUERY = '{ product(id: "p-0001") { id name price { amount } } }';

let harness: Harness | undefined;
let keyServer: Server | undefined;
afterEach(async () => {
  harness?.reset();
  await harness?.close();
  keyServer?.close();
  harness = undefined;
  keyServer = undefined;
});

/** A POST of `query` to the gateway's Yoga, with the client's signal and any extra headers. */
function graphqlRequest(h: Harness, query: string, signal?: AbortSignal, headers: Record<string, string> = {}): Request {
  const body = JSON.stringify({ query });
  return new Request(`${h.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers },
    body,
    ...(signal ? { signal } : {}),
  });
}

/** Room for a loaded machine: the catalog's answer is part of what is asserted, not its speed. */
const PATIENT_CATALOG = { deadlineMs: 10_000, sources: { catalog: { timeoutMs: 5000, attemptTimeoutMs: 5000 } } } as const;

const abortListeners = (request: Request): number => getEventListeners(request.signal, 'abort').length;

describe('the lifecycle\'s abort listener on the client\'s signal', () => {
  it('is dropped when a single answer goes out: none is left on the signal', async () => {
    harness = await startHarness(PATIENT_CATALOG);
    const request = graphqlRequest(harness, NAME_QUERY, new AbortController().signal);
    expect(abortListeners(request)).toBe(0);
    const response = await harness.gateway.yoga.fetch(request);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { product: P1 } });
    expect(abortListeners(request)).toBe(0);
  });

  it('fires once when the client leaves during execution: gone from the signal at once, the hung pricing call cancelled', async () => {
    harness = await startHarness({ ...PATIENT_CATALOG, sources: { ...PATIENT_CATALOG.sources, pricing: { retry: { maxAttempts: 1 }, maxStaleMs: 0 } } });
    harness.service('pricing').setFault({ latencyMs: 10_000 });
    const client = new AbortController();
    const request = graphqlRequest(harness, PRICED_QUERY, client.signal);
    const answering = Promise.resolve(harness.gateway.yoga.fetch(request)).then(
      () => 'answered',
      (error: Error) => error.name,
    );
    await expect.poll(() => harness!.service('pricing').requestCount, { interval: 5 }).toBe(1);
    // The lifecycle's listener and one of Yoga's own.
    expect(abortListeners(request)).toBe(2);
    client.abort();
    expect(abortListeners(request)).toBe(0);
    expect(await answering).toBe('AbortError');
    await expect.poll(() => upstreamCount(harness!, 'pricing', 'cancelled')).toBe(1);
    expect((await harness.query(NAME_QUERY)).body).toEqual({ data: { product: P1 } });
  });
});

describe('a client gone before execution starts', () => {
  it('ends the request\'s loads at once: the catalog call is cancelled as it starts, nothing reaches the catalog', async () => {
    // The client leaves while identity waits for the JWKS: after the body was read, before execution.
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
    let onKeyRequest = (): void => undefined;
    keyServer = createServer((_request, response) => {
      onKeyRequest();
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => keyServer!.listen(0, '127.0.0.1', resolve));
    const issuer = 'https://id.example';
    const jwksUrl = `http://127.0.0.1:${(keyServer.address() as AddressInfo).port}/jwks.json`;
    harness = await startHarness({ ...PATIENT_CATALOG, identity: { mode: 'jwt', jwt: { jwksUrl, issuer, algorithms: ['RS256'] } } });
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'key-1' }).setSubject('u-3').setIssuer(issuer).setExpirationTime('5m').sign(privateKey);
    const authorization = { authorization: `Bearer ${token}` };

    const client = new AbortController();
    onKeyRequest = () => client.abort();
    const answer = await Promise.resolve(harness.gateway.yoga.fetch(graphqlRequest(harness, NAME_QUERY, client.signal, authorization))).then(
      () => 'answered',
      (error: Error) => error.name,
    );
    expect(answer).toBe('AbortError');
    // Execution still ran, for nobody: its one catalog call was cancelled before it was sent.
    await expect.poll(() => upstreamCount(harness!, 'catalog', 'cancelled')).toBe(1);
    expect(harness.service('catalog').requestCount).toBe(0);
    expect(await upstreamCount(harness, 'catalog', 'success')).toBeUndefined();

    // The gateway keeps serving the next client (the key is cached now).
    const next = await harness.gateway.yoga.fetch(graphqlRequest(harness, NAME_QUERY, undefined, authorization));
    expect(await next.json()).toEqual({ data: { product: P1 } });
    expect(harness.service('catalog').requestCount).toBe(1);
  });
});
