import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServices } from '../../src/demo/index.js';
import type { DemoServices } from '../../src/demo/index.js';
import { activeTracing, startTracing, tracingConfigured, tracingCounters } from '../../src/observability/tracing.js';
import { urlVariableOf } from '../../src/sources/registry.js';
import { postQuery, startHarness } from '../helpers/harness.js';
import { startOtlpReceiver as startReceiver, spansIn } from '../helpers/otlp.js';
import type { ExportedSpan } from '../helpers/otlp.js';
import { startBallastProcess } from '../helpers/process.js';
import type { BallastProcess } from '../helpers/process.js';

const SERVER = 2;
const CLIENT = 3;
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN_ID = '00f067aa0ba902b7';
const SECRET_TOKEN = 'Bearer secret-token-4711';
const SECRET_COOKIE = 'session=cookie-value-0815';
const PRICE_CHECK = 'query PriceCheck($id: ID!) { product(id: $id) { name price { amount currency } } }';

describe('tracing on: OTLP/HTTP export of a degraded request', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let demo: DemoServices;
  let ballast: BallastProcess;

  beforeAll(async () => {
    receiver = await startReceiver();
    demo = await startDemoServices();
    ballast = await startBallastProcess({
      timeoutMs: 60_000,
      env: {
        BALLAST_WORKERS: '1',
        ...Object.fromEntries(Object.entries(demo.urls).map(([name, url]) => [urlVariableOf(name), url!])),
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_SERVICE_NAME: 'ballast-under-test',
        OTEL_BSP_SCHEDULE_DELAY: '20',
        // Nothing sampled unless the client's trace is: parent-based, ratio 0 for new traces.
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0',
        BALLAST__sources__pricing__retry__baseDelayMs: '1',
        BALLAST__sources__pricing__retry__maxDelayMs: '5',
      },
    });
  }, 90_000);

  afterAll(async () => {
    ballast?.kill();
    await demo?.close();
    await new Promise((resolve) => receiver?.server.close(resolve));
  });

  it('exports request → source call → three attempts with the NULL fallback event, all in the client trace', async () => {
    demo.service('pricing').setFault({ errorRate: 1, errorStatus: 500 });
    demo.service('pricing').resetLog();
    const { status, body } = await postQuery(ballast.url, PRICE_CHECK, { id: 'p-0001' }, {
      traceparent: `00-${TRACE_ID}-${CLIENT_SPAN_ID}-01`,
      authorization: SECRET_TOKEN,
      cookie: SECRET_COOKIE,
    });
    expect(status).toBe(200);
    expect(body.extensions?.degraded).toEqual([{ source: 'pricing', reason: 'UPSTREAM_UNAVAILABLE', fallback: 'NULL', paths: [['product', 'price']] }]);

    const find = (): ExportedSpan[] => spansIn(receiver.bodies).filter((span) => span.traceId === TRACE_ID);
    await expect.poll(() => find().some((span) => span.kind === SERVER), { timeout: 10_000 }).toBe(true);
    await expect.poll(() => find().filter((span) => span.attributes['ballast.source'] === 'pricing' && span.kind === CLIENT).length, { timeout: 10_000 }).toBe(3);
    const spans = find();
    // Every span this process exported so far belongs to the client's trace.
    expect(spansIn(receiver.bodies).every((span) => span.traceId === TRACE_ID)).toBe(true);
    expect(JSON.parse(receiver.bodies[0]!).resourceSpans[0].resource.attributes).toContainEqual({ key: 'service.name', value: { stringValue: 'ballast-under-test' } });

    const request = spans.find((span) => span.kind === SERVER)!;
    expect(request.parentSpanId).toBe(CLIENT_SPAN_ID);
    expect(request.name).toBe('query PriceCheck');
    expect(request.attributes).toMatchObject({ 'graphql.operation.name': 'PriceCheck', 'graphql.operation.type': 'query', 'http.response.status_code': 200, 'url.path': '/graphql' });
    expect(request.attributes['ballast.graphql.document.sha256']).toMatch(/^[\da-f]{64}$/);
    expect(request.attributes).not.toHaveProperty('graphql.document');
    expect(request.events).toEqual([
      { name: 'ballast.fallback', attributes: { 'ballast.source': 'pricing', 'ballast.degradation.reason': 'UPSTREAM_UNAVAILABLE', 'ballast.fallback': 'NULL', 'ballast.fields': 1 } },
    ]);

    const pricingCalls = spans.filter((span) => span.parentSpanId === request.spanId && span.attributes['ballast.source'] === 'pricing');
    expect(pricingCalls).toHaveLength(1);
    const call = pricingCalls[0]!;
    expect(call.name).toBe('pricing GET /prices');
    expect(call.attributes).toMatchObject({ 'http.request.method': 'GET', 'url.template': '/prices', 'error.type': 'UPSTREAM_UNAVAILABLE' });
    expect(call.events.map((event) => event.name)).toEqual(['ballast.retry', 'ballast.retry', 'ballast.call.failed']);

    const pricingPort = Number(new URL(demo.urls.pricing!).port);
    const attempts = spans.filter((span) => span.parentSpanId === call.spanId).sort((a, b) => Number(a.attributes['http.request.resend_count']) - Number(b.attributes['http.request.resend_count']));
    expect(attempts.map((attempt) => attempt.attributes['http.request.resend_count'])).toEqual([0, 1, 2]);
    for (const attempt of attempts) {
      expect(attempt.name).toBe('GET /prices');
      expect(attempt.kind).toBe(CLIENT);
      expect(attempt.attributes).toMatchObject({
        'http.request.method': 'GET',
        'url.template': '/prices',
        'server.address': '127.0.0.1',
        'server.port': pricingPort,
        'http.response.status_code': 500,
        'error.type': '500',
        'ballast.attempt.timeout_ms': 450,
      });
    }

    // The upstream's parent is the attempt span, not the client's span.
    const received = demo.service('pricing').requests.map((logged) => logged.headers.traceparent);
    expect(received.sort()).toEqual(attempts.map((attempt) => `00-${TRACE_ID}-${attempt.spanId}-01`).sort());

    // The catalog call of the same request succeeded in one attempt.
    const catalogCall = spans.find((span) => span.parentSpanId === request.spanId && span.attributes['ballast.source'] === 'catalog')!;
    expect(catalogCall.attributes).not.toHaveProperty('error.type');
    const catalogAttempts = spans.filter((span) => span.parentSpanId === catalogCall.spanId);
    expect(catalogAttempts.map((attempt) => [attempt.attributes['http.request.resend_count'], attempt.attributes['http.response.status_code']])).toEqual([[0, 200]]);

    // Nothing on the forward deny-list, nor the variables, leaks into what was exported.
    const exported = receiver.bodies.join('\n');
    expect(exported).not.toContain('secret-token-4711');
    expect(exported).not.toContain('cookie-value-0815');
    expect(exported).not.toContain('p-0001');
  });

  it('samples nothing of a trace the client did not sample, yet still gives the upstream a child context', async () => {
    demo.service('pricing').clearFault();
    demo.service('inventory').resetLog();
    const unsampledTrace = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
    const first = await postQuery(ballast.url, 'query Stock { product(id: "p-0002") { inventory { status } } }', undefined, { traceparent: `00-${unsampledTrace}-${CLIENT_SPAN_ID}-00` });
    expect(first.status).toBe(200);
    const [logged] = demo.service('inventory').requests;
    // Same trace, a span id of Ballast's own, not sampled.
    expect(logged!.headers.traceparent).toMatch(new RegExp(`^00-${unsampledTrace}-(?!${CLIENT_SPAN_ID})[\\da-f]{16}-00$`));

    // A sampled request after it: once its spans are exported, the earlier request's would have been too.
    const sampledTrace = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
    await postQuery(ballast.url, 'query Stock { product(id: "p-0002") { inventory { status } } }', undefined, { traceparent: `00-${sampledTrace}-${CLIENT_SPAN_ID}-01` });
    await expect.poll(() => spansIn(receiver.bodies).some((span) => span.traceId === sampledTrace && span.kind === SERVER), { timeout: 10_000 }).toBe(true);
    expect(spansIn(receiver.bodies).filter((span) => span.traceId === unsampledTrace)).toEqual([]);

    // And the gateway still answers normally.
    const after = await postQuery(ballast.url, 'query Name { product(id: "p-0001") { name } }');
    expect(after.status).toBe(200);
    expect(after.body.errors).toBeUndefined();
  });
  it('puts a STALE fallback with its age on the request span', async () => {
    demo.service('pricing').clearFault();
    const warm = await postQuery(ballast.url, PRICE_CHECK, { id: 'p-0003' }, { traceparent: `00-${'c'.repeat(32)}-${CLIENT_SPAN_ID}-01` });
    expect(warm.body.extensions?.degraded).toBeUndefined();
    demo.service('pricing').setFault({ errorRate: 1, errorStatus: 503 });
    const staleTrace = 'd'.repeat(32);
    const { body } = await postQuery(ballast.url, PRICE_CHECK, { id: 'p-0003' }, { traceparent: `00-${staleTrace}-${CLIENT_SPAN_ID}-01` });
    expect(body.extensions?.degraded?.map(({ source, reason, fallback }) => ({ source, reason, fallback }))).toEqual([{ source: 'pricing', reason: 'UPSTREAM_UNAVAILABLE', fallback: 'STALE' }]);
    const staleAgeMs = body.extensions!.degraded![0]!.staleAgeMs!;
    const requestSpan = (): ExportedSpan | undefined => spansIn(receiver.bodies).find((span) => span.traceId === staleTrace && span.kind === SERVER);
    await expect.poll(() => requestSpan() !== undefined, { timeout: 10_000 }).toBe(true);
    expect(requestSpan()!.events).toEqual([
      {
        name: 'ballast.fallback',
        attributes: { 'ballast.source': 'pricing', 'ballast.degradation.reason': 'UPSTREAM_UNAVAILABLE', 'ballast.fallback': 'STALE', 'ballast.fields': 1, 'ballast.stale_age_ms': staleAgeMs },
      },
    ]);
    demo.service('pricing').clearFault();
  });
});

describe('tracing off', () => {
  it('is off unless an OTLP endpoint is set, and OTEL_SDK_DISABLED or another exporter switches it off', () => {
    expect(tracingConfigured({})).toBe(false);
    expect(tracingConfigured({ OTEL_SERVICE_NAME: 'x', OTEL_TRACES_SAMPLER: 'always_on' })).toBe(false);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe(true);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' })).toBe(true);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'true' })).toBe(false);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
  });

  it('creates no span, loads no SDK and forwards the client traceparent unchanged', async () => {
    // What main.ts does at start-up, with no OTEL_* set.
    expect(await startTracing(process.env)).toBeUndefined();
    const harness = await startHarness();
    try {
      const traceparent = `00-${TRACE_ID}-${CLIENT_SPAN_ID}-01`;
      const { body } = await harness.query(PRICE_CHECK, { id: 'p-0001' }, { traceparent });
      expect(body.data?.product).toMatchObject({ name: expect.any(String), price: { currency: 'USD' } });
      expect(activeTracing()).toBeUndefined();
      expect(tracingCounters.spansStarted).toBe(0);
      // @opentelemetry/api registers itself on globalThis when loaded and used; it never was.
      expect(Object.getOwnPropertySymbols(globalThis).map(String).filter((symbol) => symbol.includes('opentelemetry'))).toEqual([]);
      expect(harness.service('pricing').requests.map((logged) => logged.headers.traceparent)).toEqual([traceparent]);
    } finally {
      await harness.close();
    }
  });
});
