import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { createDemoData } from '../../src/demo/data.js';
import { UpstreamBadResponseError } from '../../src/errors.js';
import type { UpstreamError } from '../../src/errors.js';
import { DEPTH_SCANNED_FROM, MAX_JSON_DEPTH, nestsDeeperThan, UpstreamClient } from '../../src/http/upstream-client.js';
import { Deadline } from '../../src/resilience/deadline.js';
import { jsonSnippet, ResiliencePipeline } from '../../src/resilience/pipeline.js';
import type { CallScope, FailedAttempt } from '../../src/resilience/pipeline.js';
import { itemsByKey } from '../../src/sources/batch-response.js';
import { priceIn } from '../../src/sources/pricing.js';
import { upstreamCount } from '../bite/helpers.js';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/**
 * A hostile upstream body must not stall the gateway (hostile review, task HA): a body nested
 * millions of levels deep blocked the loop in JSON.parse, then threw RangeError when its failure
 * sample serialised it, which the pipeline reported as a retryable UPSTREAM_UNAVAILABLE, so the
 * same body was fetched and parsed again. And a flat answer with tens of thousands of items
 * nobody asked for was checked item by item. Here: such a body is one UPSTREAM_BAD_RESPONSE, never
 * retried, its failure sample is recorded, and other requests keep being answered exactly.
 * docs/degradation.md, "Wrong answers".
 */
const data = createDemoData();
const PRICED = `{ product(id: "p-0005") { price { amount currency } } }`;
const CATALOG_ONLY = `{ product(id: "p-0004") { id name } }`;

/** `{"items":[` + `depth` nested arrays + `]}`: the review's body, at a size that keeps the test fast. */
const deepItems = (depth: number): string => '{"items":[' + '['.repeat(depth) + ']'.repeat(depth) + ']}';
/** Past the depth scan's threshold, and deep enough that JSON.stringify of it throws RangeError. */
const DEEP = deepItems(20_000);
/** Under the scan's threshold: parsed, and answered as items no key can be matched to. */
const DEEP_SMALL = deepItems(Math.floor((DEPTH_SCANNED_FROM - 20) / 2));

type Mode = { kind: 'text'; body: string } | { kind: 'asked-plus'; extra: number };
let mode: Mode = { kind: 'asked-plus', extra: 0 };
let pricingRequests = 0;

/** Pricing's `GET /prices?ids=…`: the fixed body of `mode`, or the asked prices plus `extra` items nobody asked for. */
function answerPrices(url: URL, response: ServerResponse): void {
  pricingRequests += 1;
  const json = (text: string) => response.writeHead(200, { 'content-type': 'application/json' }).end(text);
  if (mode.kind === 'text') return void json(mode.body);
  const ids = (url.searchParams.get('ids') ?? '').split(',').filter(Boolean);
  const items: unknown[] = ids.map((productId) => ({ productId, amount: data.prices.get(productId), currency: 'USD' }));
  // Unasked items that would each fail the check (a negative amount) if anyone read them.
  for (let index = 0; index < mode.extra; index++) items.push({ productId: `junk-${index}`, amount: -1, currency: 'USD' });
  json(JSON.stringify({ items }));
}

let upstream: Server;
let harness: Harness;
beforeAll(async () => {
  upstream = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://upstream');
    if (url.pathname === '/prices') return answerPrices(url, response);
    response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  // Retries allowed and cheap, so a retried bad body would show as a second request; no stale
  // values, a breaker that stays closed, and generous timers so a busy machine cannot time out.
  const patient = { timeoutMs: 5000, attemptTimeoutMs: 5000, maxStaleMs: 0 };
  harness = await startHarness({
    deadlineMs: 8000,
    fieldTimeouts: { 'Product.price': 5000 },
    sources: {
      pricing: { url, ...patient, retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1, budgetRatio: 1, budgetMinPerSecond: 100 }, breaker: { volumeThreshold: 1000 } },
      catalog: patient,
    },
  });
});
afterAll(async () => {
  await harness.close();
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});
beforeEach(() => {
  harness.reset();
  pricingRequests = 0;
});

const badPrice = {
  status: 200,
  data: { product: { price: null } },
  errors: [{ path: ['product', 'price'], code: 'UPSTREAM_BAD_RESPONSE', source: 'pricing' }],
  degraded: [{ source: 'pricing', reason: 'UPSTREAM_BAD_RESPONSE', fallback: 'NULL', paths: [['product', 'price']] }],
};

/** The priced query's answer: status, data, each error's path, code and source, the degraded groups. */
async function pricedAnswer(): Promise<unknown> {
  const response = await harness.query(PRICED);
  return {
    status: response.status,
    data: response.body.data,
    errors: (response.body.errors ?? []).map((error) => ({ path: error.path, code: error.extensions?.code, source: error.extensions?.source })),
    degraded: response.body.extensions?.degraded,
  };
}

/** A hostile priced query, with catalog-only probes sent while it runs: every probe answers exactly. */
async function withProbes<T>(hostile: () => Promise<T>): Promise<T> {
  const answer = hostile();
  const probes: Array<Promise<unknown>> = [];
  for (let index = 0; index < 5; index++) {
    probes.push(harness.query(CATALOG_ONLY).then((response) => ({ status: response.status, body: response.body })));
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const expected = { status: 200, body: { data: { product: { id: 'p-0004', name: data.productsById.get('p-0004')!.name } } } };
  expect(await Promise.all(probes)).toEqual(probes.map(() => expected));
  return answer;
}

const pricingSamples = () => harness.gateway.state.telemetry.samples.list('pricing');

describe('a body nested deeper than anyone answers', () => {
  it('past the scan threshold: one UPSTREAM_BAD_RESPONSE, not retried, sampled, other requests answered', async () => {
    mode = { kind: 'text', body: DEEP };
    const unavailableBefore = (await upstreamCount(harness, 'pricing', 'error')) ?? 0;
    const badBefore = (await upstreamCount(harness, 'pricing', 'bad_response')) ?? 0;
    const samplesBefore = pricingSamples().length;

    expect(await withProbes(pricedAnswer)).toEqual(badPrice);
    expect(pricingRequests).toBe(1);
    expect(await upstreamCount(harness, 'pricing', 'bad_response')).toBe(badBefore + 1);
    expect((await upstreamCount(harness, 'pricing', 'error')) ?? 0).toBe(unavailableBefore);
    const samples = pricingSamples().slice(samplesBefore);
    expect(samples).toEqual([
      expect.objectContaining({
        reason: 'UPSTREAM_BAD_RESPONSE',
        status: 200,
        body: DEEP.slice(0, 256),
        message: `pricing answered 200 with JSON nested deeper than ${MAX_JSON_DEPTH} levels`,
      }),
    ]);
  });

  it('under the scan threshold: parsed, its unmatched item makes the key bad; the sample is a slice of the body, never a throw', async () => {
    mode = { kind: 'text', body: DEEP_SMALL };
    const samplesBefore = pricingSamples().length;

    expect(await withProbes(pricedAnswer)).toEqual(badPrice);
    expect(pricingRequests).toBe(1);
    expect(pricingSamples().slice(samplesBefore)).toEqual([
      expect.objectContaining({
        reason: 'UPSTREAM_BAD_RESPONSE',
        status: 200,
        body: DEEP_SMALL.slice(0, 256),
        message: 'pricing answered 1 item(s) without a key: this key may be one of them',
      }),
    ]);
  });

  it('the same gateway then answers a healthy price exactly', async () => {
    mode = { kind: 'asked-plus', extra: 0 };
    expect((await harness.query(PRICED)).body).toEqual({ data: { product: { price: { amount: data.prices.get('p-0005'), currency: 'USD' } } } });
  });
});

describe('an answer with far more items than keys asked', () => {
  it('is a bad response for the whole batch, not retried', async () => {
    mode = { kind: 'asked-plus', extra: 5000 };
    const samplesBefore = pricingSamples().length;
    expect(await withProbes(pricedAnswer)).toEqual(badPrice);
    expect(pricingRequests).toBe(1);
    expect(pricingSamples().slice(samplesBefore)).toEqual([
      expect.objectContaining({ reason: 'UPSTREAM_BAD_RESPONSE', status: null, message: 'pricing answered 5001 items when asked for 1 key(s) (at most 18 are read)' }),
    ]);
  });

  it('a few unasked items, bad ones included, leave the asked price exact and add no failure sample', async () => {
    mode = { kind: 'asked-plus', extra: 17 };
    const samplesBefore = pricingSamples().length;
    expect((await harness.query(PRICED)).body).toEqual({ data: { product: { price: { amount: data.prices.get('p-0005'), currency: 'USD' } } } });
    expect(pricingSamples().length).toBe(samplesBefore);
  });
});

describe('itemsByKey checks only the items of keys asked', () => {
  it('an unasked item is never checked, however many there are within the bound', () => {
    const checked: string[] = [];
    const schema = priceIn('USD').refine((price) => checked.push(price.productId) > 0);
    const body = { items: [{ productId: 'x-1', amount: -5, currency: 'EUR' }, { productId: 'p-1', amount: 100, currency: 'USD' }, { productId: 'x-2', amount: 3, currency: 'USD' }] };
    expect(itemsByKey('pricing', body, ['p-1', 'p-2'], schema, 'productId')).toEqual([{ productId: 'p-1', amount: 100, currency: 'USD' }, null]);
    expect(checked).toEqual(['p-1']);
  });

  it('accepts up to twice the keys plus 16 items and refuses one item more', () => {
    const item = (index: number) => ({ productId: `p-${index}`, amount: index, currency: 'USD' });
    const items = (count: number) => ({ items: Array.from({ length: count }, (_, index) => item(index)) });
    const keys = Array.from({ length: 10 }, (_, index) => `p-${index}`);
    expect(itemsByKey('pricing', items(36), keys, priceIn('USD'), 'productId')).toEqual(keys.map((_, index) => item(index)));
    expect(() => itemsByKey('pricing', items(37), keys, priceIn('USD'), 'productId')).toThrow(
      new UpstreamBadResponseError('pricing', 'pricing answered 37 items when asked for 10 key(s) (at most 36 are read)'),
    );
    expect(itemsByKey('pricing', items(18), ['p-3'], priceIn('USD'), 'productId')).toEqual([item(3)]);
    expect(() => itemsByKey('pricing', items(19), ['p-3'], priceIn('USD'), 'productId')).toThrow(UpstreamBadResponseError);
  });

  it('a key answered twice is still bad, an unmatched item still makes absent keys bad', () => {
    const body = { items: [{ productId: 'p-1', amount: 1, currency: 'USD' }, { productId: 'p-1', amount: 1, currency: 'USD' }, null] };
    const [twice, absent] = itemsByKey('pricing', body, ['p-1', 'p-2'], priceIn('USD'), 'productId') as UpstreamError[];
    expect([twice?.code, twice?.message]).toEqual(['UPSTREAM_BAD_RESPONSE', 'pricing answered item p-1 more than once']);
    expect([absent?.code, absent?.message]).toEqual(['UPSTREAM_BAD_RESPONSE', 'pricing answered 1 item(s) without a key: this key may be one of them']);
  });
});

describe('the depth scan', () => {
  it('counts only brackets outside strings, escaped quotes and backslashes included', () => {
    const tricky = JSON.stringify({ a: '[[[{{{'.repeat(50), b: 'say \\"[[[" \\\\', c: [[['\\\\']]] });
    // The object and c's three arrays: 4 levels.
    expect(nestsDeeperThan(tricky, 4)).toBe(false);
    expect(nestsDeeperThan(tricky, 3)).toBe(true);
    expect(nestsDeeperThan('[[[]]]', 3)).toBe(false);
    expect(nestsDeeperThan('[[[[]]]]', 3)).toBe(true);
    expect(nestsDeeperThan('{"a":{"b":{"c":{}}}}', 3)).toBe(true);
    expect(nestsDeeperThan('{"a":{"b":{"c":1}}}', 3)).toBe(false);
    expect(nestsDeeperThan('["unterminated [[[[[', 1)).toBe(false);
  });
});

describe('the failure sample\'s snippet', () => {
  it('is JSON.stringify(value).slice(0, maxChars) for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 1, max: 600 }), (value, maxChars) => {
        expect(jsonSnippet(value, maxChars)).toBe(JSON.stringify(value).slice(0, maxChars));
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on a body JSON.stringify overflows on, and reads no more of a huge one than it keeps', () => {
    const deep = JSON.parse(DEEP) as unknown;
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    expect(jsonSnippet(deep, 512)).toBe(DEEP.slice(0, 512));
    let read = 0;
    const items = new Proxy(Array.from({ length: 100_000 }, (_, index) => index), {
      get: (target, key, receiver) => {
        if (typeof key === 'string' && /^\d+$/.test(key)) read += 1;
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    expect(jsonSnippet({ items }, 64)).toBe(JSON.stringify({ items: Array.from({ length: 100 }, (_, index) => index) }).slice(0, 64));
    expect(read).toBeLessThan(40);
  });
});

describe('the HTTP client', () => {
  let server: Server;
  let baseUrl: URL;
  let body = '';
  const client = new UpstreamClient();
  beforeAll(async () => {
    server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(body));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  afterAll(async () => {
    await client.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const get = () => client.request({ source: 'pricing', baseUrl, method: 'GET', path: '/prices', headers: {}, signal: new AbortController().signal });
  /** A body past the scan threshold (padded with a string full of brackets) nested `depth` levels. */
  const padded = (depth: number) => `{"pad":${JSON.stringify('[{'.repeat(DEPTH_SCANNED_FROM))},"deep":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;

  it(`reads a large body nested ${MAX_JSON_DEPTH} levels, brackets inside strings not counted`, async () => {
    body = padded(MAX_JSON_DEPTH);
    expect(body.length).toBeGreaterThan(DEPTH_SCANNED_FROM);
    expect(await get()).toEqual({ status: 200, body: JSON.parse(body) });
  });

  it(`refuses a large body nested ${MAX_JSON_DEPTH + 1} levels as a bad response before parsing it`, async () => {
    body = padded(MAX_JSON_DEPTH + 1);
    const error = (await get().catch((failure: unknown) => failure)) as UpstreamError;
    expect(error).toBeInstanceOf(UpstreamBadResponseError);
    expect([error.message, error.status, error.bodySnippet]).toEqual([`pricing answered 200 with JSON nested deeper than ${MAX_JSON_DEPTH} levels`, 200, body.slice(0, 512)]);
  });
});

describe('the pipeline', () => {
  let server: Server;
  let baseUrl: URL;
  let requests = 0;
  const client = new UpstreamClient();
  const pipelines: ResiliencePipeline[] = [];
  beforeAll(async () => {
    server = createServer((_request, response) => {
      requests += 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end(DEEP_SMALL);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  afterAll(async () => {
    pipelines.forEach((pipeline) => pipeline.shutdown());
    await client.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    requests = 0;
  });

  function pricing(attemptFailed: (attempt: FailedAttempt) => void): ResiliencePipeline {
    const base = resolveConfig({}).sources.pricing;
    const policy = { ...base, timeoutMs: 5000, attemptTimeoutMs: 5000, retry: { ...base.retry, maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0, budgetRatio: 1, budgetMinPerSecond: 100 } };
    const pipeline = new ResiliencePipeline('pricing', baseUrl, policy, client, [{ attemptFailed: (_source, attempt) => attemptFailed(attempt) }]);
    pipelines.push(pipeline);
    return pipeline;
  }
  const scope = (): CallScope => ({ deadline: new Deadline(10_000), headers: () => ({}), onFinish: () => () => {} });

  it('an answer whose check throws (a stack overflow on a deep body) is UPSTREAM_BAD_RESPONSE, attempted once', async () => {
    const failed: FailedAttempt[] = [];
    const overflow = (): never => {
      throw new RangeError('Maximum call stack size exceeded');
    };
    const error = (await pricing((attempt) => failed.push(attempt))
      .call({ method: 'GET', path: '/prices?ids=p-1', idempotent: true, parse: overflow }, scope())
      .catch((failure: unknown) => failure)) as UpstreamError;
    expect(error).toBeInstanceOf(UpstreamBadResponseError);
    expect([error.code, error.status, error.message]).toEqual(['UPSTREAM_BAD_RESPONSE', 200, 'pricing answered 200 with a body that could not be read (RangeError: Maximum call stack size exceeded)']);
    expect(requests).toBe(1);
    expect(failed.map((attempt) => attempt.error)).toEqual([error]);
  });

  it('an observer that throws on a bad item\'s sample does not fail the call', async () => {
    const bad = new UpstreamBadResponseError('pricing', 'pricing item p-1: amount too small');
    const parsed = await pricing(() => {
      throw new Error('observer broke');
    }).call({ method: 'GET', path: '/prices?ids=p-1', idempotent: true, parse: () => [bad] }, scope());
    expect(parsed).toEqual([bad]);
    expect(requests).toBe(1);
  });
});
