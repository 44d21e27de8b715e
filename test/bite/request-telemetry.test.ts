import { createHash } from 'node:crypto';
import { parse, print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoData } from '../../src/demo/data.js';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { exportSpansInProcess, spansIn } from '../helpers/otlp.js';
import type { ExportedSpan } from '../helpers/otlp.js';
import { metricValue, scrape } from './helpers.js';

/**
 * The per-request telemetry (src/plugins/use-telemetry.ts: one metrics sample per GraphQL request,
 * its result and duration) and the request's SERVER span (src/plugins/use-tracing.ts), exported by
 * a Ballast in this process to a real OTLP/HTTP receiver on loopback so mutation runs reach them
 * (docs/operations.md, "Metrics" and "Tracing"). Load shedding off; exact values.
 */
const STEADY = { deadlineMs: 10_000, server: { adaptiveLimit: false, maxEventLoopDelayMs: 0, deadlineAdmission: { enabled: false } } };
const SERVER = 2;
const CLIENT_SPAN_ID = '00f067aa0ba902b7';
const NAME = 'query Name { product(id: "p-0001") { name } }';
const REQUESTS = 'ballast_graphql_requests_total';
const NAME_ANSWER = { status: 200, body: { data: { product: { name: createDemoData().productsById.get('p-0001')!.name } } } };

const exported = exportSpansInProcess();
let traceCounter = 0;


/** A sampled client trace of its own, so each request's spans are told apart. */
function newTraceparent(): { traceId: string; traceparent: string } {
  traceCounter += 1;
  const traceId = `5cf92f3577b34da6a3ce9${String(traceCounter).padStart(11, '0')}`;
  return { traceId, traceparent: `00-${traceId}-${CLIENT_SPAN_ID}-01` };
}

const spansOf = (traceId: string): ExportedSpan[] => spansIn(exported.receiver.bodies).filter((span) => span.traceId === traceId);

/** The SERVER span of a trace, once it has been exported. */
async function serverSpan(traceId: string): Promise<ExportedSpan> {
  await expect.poll(() => spansOf(traceId).filter((span) => span.kind === SERVER).length, { timeout: 5000 }).toBe(1);
  return spansOf(traceId).find((span) => span.kind === SERVER)!;
}

/** Every sample line of the request counter, so a test can say exactly which exist. */
const requestSamples = (text: string): string[] => text.split('\n').filter((line) => line.startsWith(`${REQUESTS}{`));

async function postAs(url: string, body: unknown, accept: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept, ...headers }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

describe('one metrics sample per GraphQL request, and only for those (development: GraphiQL on)', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness(STEADY);
  });
  afterAll(() => harness.close());

  it('the ops endpoints, a 404 path and the GraphiQL page count nothing; a named query counts once as ok', async () => {
    for (const path of ['/health', '/ready', '/metrics', '/nope']) await fetch(`${harness.url}${path}`);
    const page = await fetch(`${harness.url}/graphql`, { headers: { accept: 'text/html' } });
    expect({ status: page.status, type: page.headers.get('content-type') }).toEqual({ status: 200, type: 'text/html' });
    await page.text();
    expect(requestSamples(await scrape(harness))).toEqual([]);
    const started = performance.now();
    expect(await postAs(harness.url, { query: NAME }, 'application/json')).toEqual(NAME_ANSWER);
    const elapsedSeconds = (performance.now() - started) / 1000;
    const text = await scrape(harness);
    expect(requestSamples(text)).toEqual([`${REQUESTS}{operation="Name",result="ok"} 1`]);
    // The duration is the request's own: more than nothing, no more than the client waited.
    const seconds = metricValue(text, 'ballast_graphql_request_duration_seconds_sum', { operation: 'Name', result: 'ok' })!;
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThanOrEqual(elapsedSeconds);
  });
});

describe('the result label of requests that fail or half-fail (production)', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ ...STEADY, mode: 'production' });
  });
  afterAll(() => harness.close());

  it('a document that fails validation (200 under application/json) is an error of an unknown operation', async () => {
    const typo = await postAs(harness.url, { query: 'query Typo { prodct(id: "p-0001") { name } }' }, 'application/json');
    expect(typo.status).toBe(200);
    expect(metricValue(await scrape(harness), REQUESTS, { operation: 'unknown', result: 'error' })).toBe(1);
  });

  it('variables that do not fit are an error of the named operation; data beside an error is partial', async () => {
    const wrongVariable = await postAs(harness.url, { query: 'query ById($id: ID!) { product(id: $id) { name } }', variables: { id: { no: 1 } } }, 'application/json');
    expect(wrongVariable.status).toBe(200);
    expect((wrongVariable.body as { data?: unknown }).data).toBeUndefined();
    const halfBad = await postAs(harness.url, { query: 'query Half { product(id: "p-0001") { name } products(first: 1, after: "not-a-cursor") { edges { node { id } } } }' }, 'application/json');
    expect(halfBad).toEqual({
      status: 200,
      body: {
        data: { product: { name: NAME_ANSWER.body.data.product.name }, products: null },
        errors: [{ message: 'after is not a cursor returned by this API', locations: [{ line: 1, column: 45 }], path: ['products'], extensions: { code: 'BAD_USER_INPUT' } }],
      },
    });
    const text = await scrape(harness);
    expect(metricValue(text, REQUESTS, { operation: 'ById', result: 'error' })).toBe(1);
    expect(metricValue(text, REQUESTS, { operation: 'Half', result: 'partial' })).toBe(1);
  });

  it('a healthy @defer answer is ok, not partial', async () => {
    const response = await fetch(`${harness.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed' },
      body: JSON.stringify({ query: 'query Deferred { product(id: "p-0001") { name ... @defer { price { amount } } } }' }),
    });
    expect(response.status).toBe(200);
    await response.text();
    await expect.poll(async () => metricValue(await scrape(harness), REQUESTS, { operation: 'Deferred', result: 'ok' })).toBe(1);
    expect(metricValue(await scrape(harness), REQUESTS, { operation: 'Deferred', result: 'partial' })).toBeUndefined();
  });

  it('the production 406 for an HTML request is counted as an error, and the gateway keeps serving', async () => {
    // Counted from what the describe's earlier tests left, so the test also holds when run alone (a mutation run does).
    const before = metricValue(await scrape(harness), REQUESTS, { operation: 'unknown', result: 'error' }) ?? 0;
    const page = await fetch(`${harness.url}/graphql`, { headers: { accept: 'text/html' } });
    expect({ status: page.status, type: page.headers.get('content-type'), id: /^[0-9a-f-]{36}$/.test(page.headers.get('x-request-id') ?? '') }).toEqual({ status: 406, type: null, id: true });
    expect(metricValue(await scrape(harness), REQUESTS, { operation: 'unknown', result: 'error' })).toBe(before + 1);
    expect(await postAs(harness.url, { query: NAME }, 'application/json')).toEqual(NAME_ANSWER);
  });
});

describe('the request span (tracing on)', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ ...STEADY, tracing: { graphqlDocument: true } });
  });
  afterAll(() => harness.close());

  it('an anonymous query: named after its type, the document recorded when graphqlDocument is on, the status', async () => {
    const { traceId, traceparent } = newTraceparent();
    const query = '{ product(id: "p-0001") { name } }';
    const answer = await harness.query(query, undefined, { traceparent });
    expect(answer.status).toBe(200);
    const span = await serverSpan(traceId);
    const printed = print(parse(query));
    expect({ name: span.name, parent: span.parentSpanId, attributes: span.attributes, events: span.events }).toEqual({
      name: 'query',
      parent: CLIENT_SPAN_ID,
      attributes: {
        'ballast.graphql.document.sha256': createHash('sha256').update(printed).digest('hex'),
        'graphql.document': printed,
        'graphql.operation.type': 'query',
        'http.request.method': 'POST',
        'http.response.status_code': 200,
        'url.path': '/graphql',
      },
      events: [],
    });
  });

  it('a document that fails validation never executes: its span ends with the 400, unnamed, without events', async () => {
    const { traceId, traceparent } = newTraceparent();
    expect((await harness.query('{ prodct(id: "p-0001") { name } }', undefined, { traceparent })).status).toBe(400);
    const span = await serverSpan(traceId);
    expect({ name: span.name, attributes: span.attributes, events: span.events }).toEqual({
      name: 'GraphQL Operation',
      attributes: { 'http.request.method': 'POST', 'http.response.status_code': 400, 'url.path': '/graphql' },
      events: [],
    });
  });

  it('the ops endpoints and a path that is not GraphQL get no span, and still answer', async () => {
    const { traceId, traceparent } = newTraceparent();
    for (const path of ['/health', '/ready', '/metrics']) expect((await fetch(`${harness.url}${path}`, { headers: { traceparent } })).status).toBe(200);
    expect((await fetch(`${harness.url}/nope`, { headers: { traceparent } })).status).toBe(404);
    // A GraphQL request in the same trace afterwards: once its span is out, any other would be too.
    await harness.query(NAME, undefined, { traceparent });
    const span = await serverSpan(traceId);
    expect(span.name).toBe('query Name');
  });
});
