import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { AbandonedCallError, CallCancelledError } from '../../src/errors.js';
import { UpstreamClient } from '../../src/http/upstream-client.js';
import { RequestLoads } from '../../src/loads/request-loads.js';
import type { CallSpan, CallTracer } from '../../src/resilience/call-trace.js';
import { Deadline } from '../../src/resilience/deadline.js';
import { ResiliencePipeline } from '../../src/resilience/pipeline.js';
import { cart } from '../../src/sources/cart.js';
import { BoundOperation } from '../../src/sources/operation.js';
import type { CartRecord } from '../../src/sources/cart.js';

/**
 * A request's loads (src/loads/) and the one-request-per-key operations (src/sources/define.ts)
 * against a real cart upstream on loopback: what is sent, what is retried, what a 404 means, what
 * happens to calls when the request ends. Mutation testing found these promises unheld
 * (docs/testing.md).
 */
type Handler = (request: IncomingMessage, response: ServerResponse) => void;
let handler: Handler;
const seen: string[] = [];
let server: Server;
let baseUrl: URL;

beforeAll(async () => {
  server = createServer((request, response) => {
    seen.push(`${request.method} ${request.url}`);
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
afterEach(() => {
  seen.length = 0;
  server.closeAllConnections();
});

const json = (status: number, body: unknown): Handler => (_request, response) => {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};
const hang: Handler = () => {};

const pipelines: ResiliencePipeline[] = [];
afterAll(() => pipelines.forEach((pipeline) => pipeline.shutdown()));

function cartOperation(): BoundOperation<CartRecord> {
  const policy = resolveConfig({}).sources.cart;
  const pipeline = new ResiliencePipeline('cart', baseUrl, { ...policy, timeoutMs: 5000, attemptTimeoutMs: 5000 }, new UpstreamClient());
  pipelines.push(pipeline);
  return new BoundOperation(cart.operations.cart, pipeline, { maxStaleMs: 0, staleMaxEntries: 10, maxBatchSize: 100, currency: 'USD' });
}

/** Records the route each call's span is named by: the tracer interface the pipeline reports to. */
function routeRecorder(): { tracer: CallTracer; routes: string[] } {
  const routes: string[] = [];
  const span: CallSpan = { set: () => {}, event: () => {}, startAttempt: () => ({ inject: () => {}, end: () => {} }), end: () => {} };
  return { routes, tracer: { startCall: (_source, method, route) => (routes.push(`${method} ${route}`), span) } };
}

/** A request's loads as createContext builds them, without the per-source allowance (`admit` is optional). */
function loadsFor(tracer?: CallTracer): RequestLoads {
  return new RequestLoads({ deadline: new Deadline(10_000), headers: () => ({}), tracer });
}

describe('the cart source as defined', () => {
  it('is named cart, reads CART_URL, and its operation knows its source and name', () => {
    expect({ name: cart.name, urlVariable: cart.urlVariable, source: cart.operations.cart.source, operation: cart.operations.cart.name, batch: cart.operations.cart.batch }).toEqual({
      name: 'cart',
      urlVariable: 'CART_URL',
      source: 'cart',
      operation: 'cart',
      batch: false,
    });
  });
});

describe('one request per key (onePerKey)', () => {
  it('GETs /carts/<id> per key, traced by the route template, never by the user id', async () => {
    handler = (request, response) => json(200, { userId: decodeURIComponent(request.url!.slice('/carts/'.length)), items: [{ productId: 'p-1', quantity: 2 }] })(request, response);
    const { tracer, routes } = routeRecorder();
    const loader = loadsFor(tracer).loaderFor(cartOperation());
    expect(await loader.loadMany(['u-1', 'u/2'])).toEqual([
      { userId: 'u-1', items: [{ productId: 'p-1', quantity: 2 }] },
      { userId: 'u/2', items: [{ productId: 'p-1', quantity: 2 }] },
    ]);
    expect(seen.sort()).toEqual(['GET /carts/u%2F2', 'GET /carts/u-1']);
    expect(routes).toEqual(['GET /carts/{userId}', 'GET /carts/{userId}']);
  });

  it('a 404 is the source\'s "not found" value (an empty cart), not an error', async () => {
    handler = json(404, { error: 'no such cart' });
    expect(await loadsFor().loaderFor(cartOperation()).load('u-404')).toEqual({ userId: 'u-404', items: [] });
    expect(seen).toEqual(['GET /carts/u-404']);
  });

  it('is idempotent: a 503 is retried, and the retry\'s answer is served', async () => {
    let calls = 0;
    handler = (request, response) => (++calls === 1 ? json(503, {}) : json(200, { userId: 'u-1', items: [] }))(request, response);
    expect(await loadsFor().loaderFor(cartOperation()).load('u-1')).toEqual({ userId: 'u-1', items: [] });
    expect(seen).toEqual(['GET /carts/u-1', 'GET /carts/u-1']);
  });
});

describe('RequestLoads', () => {
  it('a write without a per-source allowance goes through the pipeline', async () => {
    handler = json(200, { ok: true });
    const operation = cartOperation();
    const answer = await loadsFor().write(operation, { method: 'PUT', path: '/carts/u-1', idempotent: true, parse: ({ status, body }) => ({ status, body }) });
    expect(answer).toEqual({ status: 200, body: { ok: true } });
    expect(seen).toEqual(['PUT /carts/u-1']);
  });

  it('the first refusal per operation is counted once per request', () => {
    const loads = loadsFor();
    const operation = cartOperation();
    const other = new BoundOperation({ ...cart.operations.cart, name: 'otherCart' }, operation.pipeline, { maxStaleMs: 0, staleMaxEntries: 1, maxBatchSize: 1, currency: 'USD' });
    expect([loads.firstRefusal(operation), loads.firstRefusal(operation), loads.firstRefusal(other), loads.firstRefusal(operation)]).toEqual([true, false, true, false]);
    expect(loadsFor().firstRefusal(operation)).toBe(true);
  });

  it('a shared timer is planned once per coordinate, and none is started once the request finished', () => {
    const loads = loadsFor();
    let planned = 0;
    const plan = () => (planned++, { ms: 60_000, reason: () => new Error('late') });
    const timer = loads.sharedTimer('Product.price', plan);
    expect(timer).toBeDefined();
    expect(loads.sharedTimer('Product.price', plan)).toBe(timer);
    expect(loads.sharedTimer('Cart.subtotal', () => undefined)).toBeUndefined();
    expect(planned).toBe(1);
    loads.finish();
    expect(loads.sharedTimer('Product.inventory', plan)).toBeUndefined();
    expect(planned).toBe(1);
  });

  it('finish() cancels calls in flight; a call started afterwards is cancelled before it is sent', async () => {
    handler = hang;
    const loads = loadsFor();
    const operation = cartOperation();
    const inFlight = loads.loaderFor(operation).load('u-1');
    await expect.poll(() => seen.length).toBe(1);
    loads.finish();
    await expect(inFlight).rejects.toThrow(CallCancelledError);
    const cancelled = { source: 'request', message: 'the request that wanted this call has finished' };
    await expect(inFlight).rejects.toMatchObject(cancelled);
    const late = loads.write(operation, { method: 'GET', path: '/carts/u-2', idempotent: true, parse: () => 'sent' });
    await expect(late).rejects.toThrow(CallCancelledError);
    await expect(late).rejects.toMatchObject(cancelled);
    expect(seen).toEqual(['GET /carts/u-1']);
  });

  it('a call of a source a field abandoned ends as an abandoned call (a timeout), with a message naming the source', async () => {
    handler = hang;
    const loads = loadsFor();
    const inFlight = loads.loaderFor(cartOperation()).load('u-1');
    await expect.poll(() => seen.length).toBe(1);
    loads.abandon('cart');
    loads.finish();
    const error: unknown = await inFlight.then(undefined, (reason: unknown) => reason);
    expect(error).toBeInstanceOf(AbandonedCallError);
    expect(error).toMatchObject({ source: 'cart', code: 'UPSTREAM_TIMEOUT', message: 'cart: a field stopped waiting, the call was abandoned' });
  });
});

describe('BoundOperation', () => {
  it('bounds its stale cache by staleMaxBytes, keeping the newest value', async () => {
    const big = 'x'.repeat(2000);
    handler = (request, response) => json(200, { userId: decodeURIComponent(request.url!.slice('/carts/'.length)), items: [{ productId: big, quantity: 1 }] })(request, response);
    const policy = resolveConfig({}).sources.cart;
    const pipeline = new ResiliencePipeline('cart', baseUrl, { ...policy, timeoutMs: 5000, attemptTimeoutMs: 5000 }, new UpstreamClient());
    pipelines.push(pipeline);
    const operation = new BoundOperation(cart.operations.cart, pipeline, { maxStaleMs: 60_000, staleMaxEntries: 100, staleMaxBytes: 10_000, maxBatchSize: 100, currency: 'USD' });
    for (const user of ['u-1', 'u-2', 'u-3', 'u-4', 'u-5', 'u-6', 'u-7', 'u-8']) await loadsFor().loaderFor(operation).load(user);
    expect(operation.stale.bytes).toBeLessThanOrEqual(10_000);
    expect(operation.stale.size).toBeLessThan(8);
    expect(operation.stale.get('u-8')?.value.userId).toBe('u-8');
  });
});
