import { afterEach, describe, expect, it } from 'vitest';
import { tracingCounters } from '../../src/observability/tracing-contract.js';
import type { RequestSpan, Tracing } from '../../src/observability/tracing-contract.js';
import { createTracing } from '../../src/observability/tracing-sdk.js';
import { spansIn, startOtlpReceiver } from '../helpers/otlp.js';
import type { OtlpReceiver } from '../helpers/otlp.js';

const CLIENT_SPAN_ID = '00f067aa0ba902b7';
const TRACE_ID = 'ab'.repeat(16);
const ORIGIN = new URL('http://127.0.0.1:9');

let tracing: Tracing | undefined;
let receiver: OtlpReceiver | undefined;
afterEach(async () => {
  await tracing?.shutdown();
  receiver?.server.close();
  tracing = receiver = undefined;
  delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
});

/** The SDK behind a real OTLP/HTTP receiver on loopback. */
async function startTracingSdk(): Promise<Tracing> {
  receiver = await startOtlpReceiver();
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
  return createTracing(new WeakMap());
}

function requestWith(traceparent: string): Request {
  return new Request('http://127.0.0.1/graphql', { method: 'POST', headers: { traceparent } });
}

/** What the upstream sees of one attempt of a call. */
function attemptHeaders(span: RequestSpan): Record<string, string> {
  const call = span.startCall('pricing', 'GET', '/prices', ORIGIN);
  call.set({ 'ballast.call.budget_ms': 100 });
  const attempt = call.startAttempt(0, 100);
  const headers: Record<string, string> = {};
  attempt.inject(headers);
  attempt.end(200);
  call.end();
  return headers;
}

describe('tracing an unsampled request', () => {
  it('starts one span (the request) however many calls it makes, and still hands each upstream the trace, not sampled, under a span of its own', async () => {
    tracing = await startTracingSdk();
    const before = tracingCounters.spansStarted;
    const span = tracing.startRequest(requestWith(`00-${TRACE_ID}-${CLIENT_SPAN_ID}-00`), '/graphql');
    const first = attemptHeaders(span);
    const second = attemptHeaders(span);
    span.end(200, []);
    await tracing.flush();
    expect(tracingCounters.spansStarted - before).toBe(1);
    expect(spansIn(receiver!.bodies)).toEqual([]);
    expect(first.traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-(?!${CLIENT_SPAN_ID})[\\da-f]{16}-00$`));
    expect(second).toEqual(first);
  });

  it('a sampled request starts a span per call and per attempt, each attempt the upstream parent', async () => {
    tracing = await startTracingSdk();
    const before = tracingCounters.spansStarted;
    const span = tracing.startRequest(requestWith(`00-${TRACE_ID}-${CLIENT_SPAN_ID}-01`), '/graphql');
    const first = attemptHeaders(span);
    const second = attemptHeaders(span);
    span.end(200, []);
    await tracing.flush();
    expect(tracingCounters.spansStarted - before).toBe(5);
    expect(spansIn(receiver!.bodies).map((exported) => exported.name).sort()).toEqual(['GET /prices', 'GET /prices', 'GraphQL Operation', 'pricing GET /prices', 'pricing GET /prices']);
    expect(first.traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-[\\da-f]{16}-01$`));
    expect(second.traceparent).not.toBe(first.traceparent);
  });
});
