import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { CallCancelledError, DeadlineExceededError, UpstreamBadResponseError, UpstreamError, UpstreamRejectedError, UpstreamTimeoutError, UpstreamUnavailableError } from '../../src/errors.js';
import { UpstreamClient } from '../../src/http/upstream-client.js';
import type { UpstreamResponse } from '../../src/http/upstream-client.js';
import type { BreakerState } from '../../src/resilience/breaker.js';
import type { AttemptSpan, CallSpan, CallTracer, TraceAttributes } from '../../src/resilience/call-trace.js';
import { Deadline } from '../../src/resilience/deadline.js';
import { DEADLINE_HEADER, ResiliencePipeline } from '../../src/resilience/pipeline.js';
import type { CallOutcome, CallScope, CallSpec, FailedAttempt, PipelineObserver, RequestIds } from '../../src/resilience/pipeline.js';
import type { SourcePolicy } from '../../src/resilience/policy.js';
import { blockFor } from '../helpers/timers.js';

/**
 * The resilience pipeline (src/resilience/pipeline.ts) driven directly against a real upstream on
 * loopback: what it reports to its observers (outcomes, latencies, failed attempts, retries, the
 * spent retry budget, breaker transitions and the request that caused them), the exact errors and
 * messages a caller gets, what the upstream receives (headers, deadline header, body), and what a
 * tracer is told. Mutation testing found these promises unheld (docs/testing.md § Mutation testing).
 */
interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}
type Handler = (request: IncomingMessage, response: ServerResponse) => void;

let handler: Handler;
const seen: Seen[] = [];
let server: Server;
let baseUrl: URL;

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      seen.push({ method: request.method!, url: request.url!, headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      handler(request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const pipelines: ResiliencePipeline[] = [];
const clients: UpstreamClient[] = [];
afterEach(async () => {
  pipelines.splice(0).forEach((pipeline) => pipeline.shutdown());
  await Promise.all(clients.splice(0).map((client) => client.close()));
  server.closeAllConnections();
  seen.length = 0;
});

const json = (status: number, body: unknown, delayMs = 0): Handler => (_request, response) => {
  setTimeout(() => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)), delayMs);
};
const hang: Handler = () => {};
/** Answers the n-th request (from 0) with `handlers[n]`, the last one from then on. */
const inTurn = (...handlers: Handler[]): Handler => {
  let n = 0;
  return (request, response) => handlers[Math.min(n++, handlers.length - 1)]!(request, response);
};

/** Everything the pipeline tells its observers, in order. */
interface Reports {
  ended: [string, CallOutcome, number][];
  failed: [string, FailedAttempt][];
  retried: [string, UpstreamError, number][];
  exhausted: [string, RequestIds | undefined][];
  transitions: [string, BreakerState, RequestIds | undefined][];
}
function recorder(): { observer: Required<PipelineObserver>; record: Reports } {
  const record: Reports = { ended: [], failed: [], retried: [], exhausted: [], transitions: [] };
  return {
    record,
    observer: {
      callEnded: (source, outcome, latencyMs) => record.ended.push([source, outcome, latencyMs]),
      attemptFailed: (source, attempt) => record.failed.push([source, attempt]),
      retried: (source, error, delayMs) => record.retried.push([source, error, delayMs]),
      budgetExhausted: (source, cause) => record.exhausted.push([source, cause]),
      breakerTransition: (source, state, cause) => record.transitions.push([source, state, cause]),
    },
  };
}

type PolicyChanges = Partial<Omit<SourcePolicy, 'retry' | 'breaker' | 'bulkhead'>> & {
  retry?: Partial<SourcePolicy['retry']>;
  breaker?: Partial<SourcePolicy['breaker']>;
  bulkhead?: Partial<SourcePolicy['bulkhead']>;
};
/** Pricing's policy with retries at 0 ms delay and no breaker unless `changes` set them. */
function policy(changes: PolicyChanges = {}): SourcePolicy {
  const base = resolveConfig({}).sources.pricing;
  return {
    ...base,
    timeoutMs: 5000,
    attemptTimeoutMs: 5000,
    ...changes,
    retry: { ...base.retry, maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0, budgetRatio: 1, budgetMinPerSecond: 100, ...changes.retry },
    breaker: { ...base.breaker, enabled: false, ...changes.breaker },
    bulkhead: { ...base.bulkhead, ...changes.bulkhead },
  };
}

function pricing(changes: PolicyChanges = {}): { pipeline: ResiliencePipeline; record: Reports } {
  const { observer, record } = recorder();
  const client = new UpstreamClient();
  clients.push(client);
  const pipeline = new ResiliencePipeline('pricing', baseUrl, policy(changes), client, [observer]);
  pipelines.push(pipeline);
  return { pipeline, record };
}

interface ScopeParts {
  deadline?: Deadline;
  ids?: RequestIds;
  tracer?: CallTracer;
  headers?: () => Record<string, string>;
}
/** A request's scope; `finishers` holds the abort of every call still registered. */
function scopeOf(parts: ScopeParts = {}): CallScope & { finishers: Set<(reason: Error) => void> } {
  const finishers = new Set<(reason: Error) => void>();
  return {
    finishers,
    deadline: parts.deadline ?? new Deadline(10_000),
    headers: parts.headers ?? (() => ({ 'x-request-id': 'req-1' })),
    onFinish: (_source, abort) => {
      finishers.add(abort);
      return () => finishers.delete(abort);
    },
    tracer: parts.tracer,
    ids: parts.ids,
  };
}

const GET_PRICES: CallSpec<unknown> = { method: 'GET', path: '/prices?ids=p-1,p-2', idempotent: true, parse: ({ body }) => body };

/** A deadline whose remaining time is fixed, so a boundary can be pinned to the millisecond. */
const frozenDeadline = (remainingMs: number): Deadline => ({ expiresAt: performance.now() + remainingMs, remainingMs: () => remainingMs });

async function failureOf(promise: Promise<unknown>): Promise<UpstreamError> {
  const error: unknown = await promise.then(() => 'answered', (reason: unknown) => reason);
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}


/** What a tracer is told, in order, as readable lines. */
function tracerLog(): { tracer: CallTracer; log: unknown[][]; injected: Record<string, string>[] } {
  const log: unknown[][] = [];
  const injected: Record<string, string>[] = [];
  const attempt = (n: number): AttemptSpan => ({
    inject: (headers) => injected.push({ ...headers }),
    end: (status, error) => log.push([`attempt ${n} end`, status, error?.code]),
  });
  const span: CallSpan = {
    set: (attributes: TraceAttributes) => log.push(['set', attributes]),
    event: (name, attributes) => log.push(['event', name, attributes]),
    startAttempt: (resendCount, timeoutMs) => (log.push(['attempt', resendCount, timeoutMs]), attempt(resendCount)),
    end: (error) => log.push(['end', error?.code]),
  };
  return { log, injected, tracer: { startCall: (source, method, route, origin) => (log.push(['start', source, method, route, origin.href]), span) } };
}

describe('a call that answers', () => {
  it('counts one success with its real latency, and the upstream gets the call headers over the request headers and the time left', async () => {
    handler = json(200, [{ id: 'p-1', amount: 1299 }], 60);
    const { pipeline, record } = pricing({ timeoutMs: 4000 });
    const scope = scopeOf({ headers: () => ({ 'x-request-id': 'req-7', 'x-shared': 'request' }) });
    const before = performance.now();
    const answer = await pipeline.call({ ...GET_PRICES, headers: { 'x-shared': 'call', 'idempotency-key': 'k-1' } }, scope);
    const wall = performance.now() - before;

    expect(answer).toEqual([{ id: 'p-1', amount: 1299 }]);
    expect(seen.map(({ method, url }) => `${method} ${url}`)).toEqual(['GET /prices?ids=p-1,p-2']);
    const headers = seen[0]!.headers;
    expect([headers['x-request-id'], headers['x-shared'], headers['idempotency-key'], headers['content-type']]).toEqual(['req-7', 'call', 'k-1', undefined]);
    const timeLeft = Number(headers[DEADLINE_HEADER]);
    expect(timeLeft).toBeLessThanOrEqual(4000);
    expect(timeLeft).toBeGreaterThan(4000 - wall - 1);

    expect(record.ended.map(([source, outcome]) => [source, outcome])).toEqual([['pricing', 'success']]);
    const latency = record.ended[0]![2];
    expect(latency).toBeGreaterThanOrEqual(55);
    expect(latency).toBeLessThanOrEqual(wall);
    expect(record.failed).toEqual([]);
    expect(scope.finishers.size).toBe(0);
  });

  it("sends a write's body as JSON, and passes an accepted non-2xx status to parse", async () => {
    handler = inTurn(json(200, { ok: true }), json(404, { error: 'no cart' }));
    const { pipeline, record } = pricing();
    const written = await pipeline.call({ method: 'PUT', path: '/carts/u-1', body: { productId: 'p-1', quantity: 2 }, idempotent: true, parse: (response) => response }, scopeOf());
    expect(written).toEqual({ status: 200, body: { ok: true } });
    expect([seen[0]!.method, seen[0]!.body, seen[0]!.headers['content-type']]).toEqual(['PUT', '{"productId":"p-1","quantity":2}', 'application/json']);

    const missing = await pipeline.call({ method: 'GET', path: '/carts/u-2', idempotent: true, acceptStatuses: [404], parse: (response: UpstreamResponse) => response }, scopeOf());
    expect(missing).toEqual({ status: 404, body: null });
    expect(seen.map(({ method, url, body }) => `${method} ${url} ${body}`)).toEqual(['PUT /carts/u-1 {"productId":"p-1","quantity":2}', 'GET /carts/u-2 ']);
    expect(record.ended.map(([, outcome]) => outcome)).toEqual(['success', 'success']);
  });

  it('a 404 not in acceptStatuses fails the call as a bad response, status kept', async () => {
    handler = json(404, { error: 'no cart' });
    const { pipeline, record } = pricing();
    const error = await failureOf(pipeline.call({ method: 'GET', path: '/carts/u-2', idempotent: true, parse: (response: UpstreamResponse) => response }, scopeOf()));
    expect(error).toBeInstanceOf(UpstreamRejectedError);
    expect([error.code, error.status]).toEqual(['UPSTREAM_BAD_RESPONSE', 404]);
    expect(record.ended.map(([, outcome]) => outcome)).toEqual(['UPSTREAM_BAD_RESPONSE']);
  });
});

describe('a call that fails', () => {
  it('a 503 with retries off: the exact error, one failed attempt with its real latency, the outcome and latency of the call', async () => {
    handler = json(503, { error: 'down' }, 40);
    const { pipeline, record } = pricing();
    const scope = scopeOf();
    const before = performance.now();
    const error = await failureOf(pipeline.call(GET_PRICES, scope));
    const wall = performance.now() - before;

    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect([error.source, error.status]).toEqual(['pricing', 503]);
    expect(record.failed.map(([source, { method, path, error: failure, partial }]) => [source, method, path, failure, partial])).toEqual([['pricing', 'GET', '/prices?ids=p-1,p-2', error, undefined]]);
    const attemptLatency = record.failed[0]![1].latencyMs;
    expect(attemptLatency).toBeGreaterThanOrEqual(35);
    expect(attemptLatency).toBeLessThanOrEqual(wall);
    expect(record.ended.map(([source, outcome]) => [source, outcome])).toEqual([['pricing', 'UPSTREAM_UNAVAILABLE']]);
    const latency = record.ended[0]![2];
    expect(latency).toBeGreaterThanOrEqual(attemptLatency);
    expect(latency).toBeLessThanOrEqual(wall);
    expect(scope.finishers.size).toBe(0);
  });

  it('a parse that throws something else is UPSTREAM_BAD_RESPONSE with the status, the thrown error its cause, never retried', async () => {
    // Reading the same body again would throw again (a RangeError on a deep body, task HA): a bad answer, not an unavailable one.
    handler = json(200, { prices: [] });
    const { pipeline, record } = pricing({ retry: { maxAttempts: 3 } });
    const thrown = new TypeError('no items');
    const error = await failureOf(pipeline.call({ ...GET_PRICES, parse: () => { throw thrown; } }, scopeOf()));
    expect(error).toBeInstanceOf(UpstreamBadResponseError);
    expect([error.message, error.status, error.cause]).toEqual(['pricing answered 200 with a body that could not be read (TypeError: no items)', 200, thrown]);
    expect(record.ended.map(([, outcome]) => outcome)).toEqual(['UPSTREAM_BAD_RESPONSE']);
    expect(seen).toHaveLength(1);
  });

  it('a 503 then an answer: one retry reported with its error and delay, the answer served', async () => {
    handler = inTurn(json(503, {}), json(200, [{ id: 'p-1' }]));
    const { pipeline, record } = pricing({ retry: { maxAttempts: 3 } });
    expect(await pipeline.call(GET_PRICES, scopeOf())).toEqual([{ id: 'p-1' }]);
    expect(record.retried.map(([source, error, delay]) => [source, error.code, error.status, delay])).toEqual([['pricing', 'UPSTREAM_UNAVAILABLE', 503, 0]]);
    expect(record.failed.map(([, attempt]) => attempt.error)).toEqual([record.retried[0]![1]]);
    expect(record.ended.map(([, outcome]) => outcome)).toEqual(['success']);
    expect(seen).toHaveLength(2);
  });

  it('a retry the budget refuses is reported with the request that wanted it, and not made', async () => {
    handler = json(503, {});
    const { pipeline, record } = pricing({ retry: { maxAttempts: 3, budgetRatio: 0, budgetMinPerSecond: 0 } });
    const error = await failureOf(pipeline.call(GET_PRICES, scopeOf({ ids: { requestId: 'req-budget', traceId: 't-1' } })));
    expect([error.code, error.status]).toEqual(['UPSTREAM_UNAVAILABLE', 503]);
    expect(record.exhausted).toEqual([['pricing', { requestId: 'req-budget', traceId: 't-1' }]]);
    expect(record.retried).toEqual([]);
    expect(seen).toHaveLength(1);

    // Traced, the refusal is also an event on the call's span.
    const { tracer, log } = tracerLog();
    expect((await failureOf(pipeline.call(GET_PRICES, scopeOf({ tracer })))).status).toBe(503);
    expect(log.filter(([what]) => what === 'event')).toEqual([['event', 'ballast.retry_budget.exhausted', undefined]]);
    expect([seen.length, record.exhausted.length]).toEqual([2, 2]);
  });

  it('a write without an idempotency key is not retried', async () => {
    handler = json(503, {});
    const { pipeline, record } = pricing({ retry: { maxAttempts: 3 } });
    const error = await failureOf(pipeline.call({ method: 'POST', path: '/carts/u-1/items', body: { productId: 'p-1' }, idempotent: false, parse: ({ body }) => body }, scopeOf()));
    expect([error.code, error.status]).toEqual(['UPSTREAM_UNAVAILABLE', 503]);
    expect([seen.length, record.retried.length, record.failed.length]).toEqual([1, 0, 1]);
  });

  it('a Retry-After longer than the time left is not waited for: the 503 is the answer at once', async () => {
    handler = (_request, response) => response.writeHead(503, { 'retry-after': '3', 'content-type': 'application/json' }).end('{}');
    const { pipeline, record } = pricing({ timeoutMs: 1500, retry: { maxAttempts: 3 } });
    const error = await failureOf(pipeline.call(GET_PRICES, scopeOf()));
    expect([error.code, error.status, error.retryAfterMs]).toEqual(['UPSTREAM_UNAVAILABLE', 503, 3000]);
    expect([seen.length, record.retried.length]).toEqual([1, 0]);
    expect(record.ended[0]![2]).toBeLessThan(1500);
  });

  it('an attempt that runs out of time: "pricing attempt timed out after 80 ms"', async () => {
    handler = hang;
    const { pipeline, record } = pricing({ attemptTimeoutMs: 80 });
    const error = await failureOf(pipeline.call(GET_PRICES, scopeOf()));
    expect(error).toBeInstanceOf(UpstreamTimeoutError);
    expect(error.message).toBe('pricing attempt timed out after 80 ms');
    expect(record.failed.map(([, attempt]) => attempt.error)).toEqual([error]);
    expect(record.failed[0]![1].latencyMs).toBeGreaterThanOrEqual(75);
    expect(record.ended.map(([, outcome]) => outcome)).toEqual(['UPSTREAM_TIMEOUT']);
  });
});

describe('the call budget: source timeout or request deadline', () => {
  it('the source timeout, shorter than the deadline: "pricing did not answer within 120 ms", UPSTREAM_TIMEOUT', async () => {
    handler = hang;
    const { pipeline, record } = pricing({ timeoutMs: 120 });
    const error = await failureOf(pipeline.call(GET_PRICES, scopeOf()));
    expect(error).toBeInstanceOf(UpstreamTimeoutError);
    expect(error.message).toBe('pricing did not answer within 120 ms');
    expect(record.ended.map(([, outcome]) => outcome)).toEqual(['UPSTREAM_TIMEOUT']);
    expect(record.ended[0]![2]).toBeGreaterThanOrEqual(115);
  });

  it('time left exactly equal to the source timeout is still the source timeout', async () => {
    handler = hang;
    const { pipeline, record } = pricing({ timeoutMs: 100 });
    const { tracer, log } = tracerLog();
    const error = await failureOf(pipeline.call(GET_PRICES, scopeOf({ deadline: frozenDeadline(100), tracer })));
    expect([error.code, error.message]).toEqual(['UPSTREAM_TIMEOUT', 'pricing did not answer within 100 ms']);
    expect(log[1]).toEqual(['set', { 'ballast.call.budget_ms': 100, 'ballast.call.limited_by_deadline': false }]);
    expect(record.ended.map(([, outcome]) => outcome)).toEqual(['UPSTREAM_TIMEOUT']);
  });

  it('the deadline, shorter than the source timeout: "request deadline ran out waiting for pricing", DEADLINE_EXCEEDED', async () => {
    handler = hang;
    const { pipeline, record } = pricing({ timeoutMs: 5000 });
    const { tracer, log } = tracerLog();
    const error = await failureOf(pipeline.call(GET_PRICES, scopeOf({ deadline: frozenDeadline(99), tracer })));
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(error.message).toBe('request deadline ran out waiting for pricing');
    expect(log[1]).toEqual(['set', { 'ballast.call.budget_ms': 99, 'ballast.call.limited_by_deadline': true }]);
    expect(record.ended.map(([, outcome]) => outcome)).toEqual(['DEADLINE_EXCEEDED']);
  });

  it('no time left: refused before the upstream is called, "request deadline passed before pricing was called"', async () => {
    handler = json(200, []);
    const { pipeline, record } = pricing();
    const { tracer, log } = tracerLog();
    const error = await failureOf(pipeline.call(GET_PRICES, scopeOf({ deadline: new Deadline(0), tracer })));
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(error.message).toBe('request deadline passed before pricing was called');
    expect(seen).toEqual([]);
    expect(log).toEqual([['start', 'pricing', 'GET', '/prices', `${baseUrl.origin}/`], ['end', 'DEADLINE_EXCEEDED']]);
    expect(record.ended.map(([source, outcome]) => [source, outcome])).toEqual([['pricing', 'DEADLINE_EXCEEDED']]);
  });

  it('the deadline header never goes negative: 0 when the time ran out while the attempt was being prepared', async () => {
    handler = hang;
    const { pipeline } = pricing({ timeoutMs: 30 });
    const { tracer, injected } = tracerLog();
    // The request's headers take longer than the whole budget (a synchronous stretch no timer can cut).
    const headers = (): Record<string, string> => (blockFor(60), { 'x-request-id': 'req-slow' });
    const error = await failureOf(pipeline.call(GET_PRICES, scopeOf({ headers, tracer })));
    expect(error.code).toBe('UPSTREAM_TIMEOUT');
    expect(injected.map((sent) => [sent['x-request-id'], sent[DEADLINE_HEADER]])).toEqual([['req-slow', '0']]);
  });
});

describe('calls its request gives up on, or never makes', () => {
  it('aborted by its request: rejects with the reason, counted as cancelled, unregistered', async () => {
    handler = hang;
    const { pipeline, record } = pricing();
    const scope = scopeOf();
    const call = failureOf(pipeline.call(GET_PRICES, scope));
    await expect.poll(() => seen.length).toBe(1);
    expect(scope.finishers.size).toBe(1);
    const reason = new CallCancelledError('pricing', 'the request ended');
    [...scope.finishers][0]!(reason);
    expect(await call).toBe(reason);
    expect(record.ended.map(([source, outcome]) => [source, outcome])).toEqual([['pricing', 'cancelled']]);
    expect(scope.finishers.size).toBe(0);
  });

  it('aborted by its request with a timeout: counted as UPSTREAM_TIMEOUT, not cancelled', async () => {
    handler = hang;
    const { pipeline, record } = pricing();
    const scope = scopeOf();
    const call = failureOf(pipeline.call(GET_PRICES, scope));
    await expect.poll(() => seen.length).toBe(1);
    const reason = new UpstreamTimeoutError('pricing', 'a field gave up');
    [...scope.finishers][0]!(reason);
    expect(await call).toBe(reason);
    expect(record.ended.map(([, outcome]) => outcome)).toEqual(['UPSTREAM_TIMEOUT']);
  });

  it('an attempt leaves no timer behind once it is answered', async () => {
    // Faked timers only count what is pending: the upstream answers at once, without a timer.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      handler = (_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('[]');
      const { pipeline } = pricing({ timeoutMs: 60_000, attemptTimeoutMs: 50_000 });
      // Two calls first: the connection pool's own timers (keep-alive) exist from then on.
      for (let i = 0; i < 2; i++) expect(await pipeline.call(GET_PRICES, scopeOf())).toEqual([]);
      const pending = vi.getTimerCount();
      for (let i = 0; i < 5; i++) expect(await pipeline.call(GET_PRICES, scopeOf())).toEqual([]);
      expect(vi.getTimerCount()).toBe(pending);
    } finally {
      vi.useRealTimers();
    }
  });

  it('reportRefused counts one CIRCUIT_OPEN call of 0 ms and sends nothing', () => {
    const { pipeline, record } = pricing();
    pipeline.reportRefused();
    expect(record.ended).toEqual([['pricing', 'CIRCUIT_OPEN', 0]]);
    expect(seen).toEqual([]);
  });

  it('timeoutMs is the source timeout; failsFast is false without a breaker', () => {
    const { pipeline } = pricing({ timeoutMs: 777 });
    expect(pipeline.timeoutMs).toBe(777);
    expect(pipeline.breaker).toBeUndefined();
    expect(pipeline.failsFast).toBe(false);
  });

  it('observers implement only the hooks they want: one with none is skipped everywhere', async () => {
    handler = inTurn(json(503, {}), json(200, ['ok']), json(503, {}));
    const { observer, record } = recorder();
    const client = new UpstreamClient();
    clients.push(client);
    const breaker = { enabled: true, volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeoutMs: 60_000 };
    const pipeline = new ResiliencePipeline('pricing', baseUrl, policy({ retry: { maxAttempts: 2 }, breaker }), client, [{}, observer]);
    pipelines.push(pipeline);
    const bad = new UpstreamBadResponseError('pricing', 'item p-2: no price');
    expect(await pipeline.call({ ...GET_PRICES, parse: () => [bad] }, scopeOf())).toEqual([bad]);
    // Not retried, so its one failed attempt is the third in the window and opens the breaker.
    expect((await failureOf(pipeline.call({ ...GET_PRICES, idempotent: false }, scopeOf({ ids: { requestId: 'req-2' } })))).status).toBe(503);
    pipeline.reportRefused();
    expect(record.ended.map(([, outcome]) => outcome)).toEqual(['success', 'UPSTREAM_UNAVAILABLE', 'CIRCUIT_OPEN']);
    expect(record.failed.map(([, attempt]) => [attempt.error.status, attempt.partial])).toEqual([[503, undefined], [200, true], [503, undefined]]);
    expect(record.retried).toHaveLength(1);
    expect(record.transitions).toEqual([['pricing', 'OPEN', { requestId: 'req-2' }]]);
  });

  it('after shutdown a pipeline with a breaker sends nothing more', async () => {
    handler = json(200, []);
    const { pipeline, record } = pricing({ breaker: { enabled: true } });
    pipeline.shutdown();
    expect((await failureOf(pipeline.call(GET_PRICES, scopeOf()))).code).toBe('CIRCUIT_OPEN');
    expect(seen).toEqual([]);
    expect(record.ended.map(([, outcome]) => outcome)).toEqual(['CIRCUIT_OPEN']);
  });

  it('a pipeline built without observers still answers and fails', async () => {
    handler = inTurn(json(200, [{ id: 'p-1' }]), json(503, {}));
    const client = new UpstreamClient();
    clients.push(client);
    const pipeline = new ResiliencePipeline('pricing', baseUrl, policy(), client);
    pipelines.push(pipeline);
    expect(await pipeline.call(GET_PRICES, scopeOf())).toEqual([{ id: 'p-1' }]);
    expect((await failureOf(pipeline.call(GET_PRICES, scopeOf()))).status).toBe(503);
    pipeline.reportRefused();
  });
});

describe('breaker transitions and the request that caused them', () => {
  it('OPEN by the failing request, HALF_OPEN by its timer (no request), CLOSED by the probing request', async () => {
    handler = inTurn(json(503, {}), json(200, [{ id: 'p-1' }]));
    const { pipeline, record } = pricing({ breaker: { enabled: true, volumeThreshold: 1, errorThresholdPercentage: 50, resetTimeoutMs: 150 } });
    const opener = { requestId: 'req-open', traceId: 'trace-open' };
    expect((await failureOf(pipeline.call(GET_PRICES, scopeOf({ ids: opener })))).status).toBe(503);
    expect(record.transitions).toEqual([['pricing', 'OPEN', opener]]);
    expect(pipeline.failsFast).toBe(true);

    const refused = await failureOf(pipeline.call(GET_PRICES, scopeOf({ ids: { requestId: 'req-refused' } })));
    expect(refused.code).toBe('CIRCUIT_OPEN');
    expect(seen).toHaveLength(1);

    await expect.poll(() => record.transitions.length, { timeout: 3000 }).toBe(2);
    expect(record.transitions[1]).toEqual(['pricing', 'HALF_OPEN', undefined]);
    expect(pipeline.failsFast).toBe(false);
    const closer = { requestId: 'req-close' };
    expect(await pipeline.call(GET_PRICES, scopeOf({ ids: closer }))).toEqual([{ id: 'p-1' }]);
    expect(record.transitions).toEqual([
      ['pricing', 'OPEN', opener],
      ['pricing', 'HALF_OPEN', undefined],
      ['pricing', 'CLOSED', closer],
    ]);
    expect(record.ended.map(([, outcome]) => outcome)).toEqual(['UPSTREAM_UNAVAILABLE', 'CIRCUIT_OPEN', 'success']);
  });
});

describe('a batch answer with bad items', () => {
  const names = Array.from({ length: 40 }, (_, i) => ({ id: `p-${i}`, name: `a product name long enough to pass 512 bytes ${i}` }));

  it('is served, and one failure sample tells the first bad item, the status and the first 512 bytes of the body', async () => {
    handler = json(200, names, 30);
    const { pipeline, record } = pricing();
    const bad = new UpstreamBadResponseError('pricing', 'item p-3: price is not a number');
    const later = new UpstreamBadResponseError('pricing', 'item p-9: no currency');
    const before = performance.now();
    const served = await pipeline.call({ ...GET_PRICES, parse: () => ['ok', bad, later] }, scopeOf());
    const wall = performance.now() - before;
    expect(served).toEqual(['ok', bad, later]);

    expect(record.failed).toHaveLength(1);
    const [source, sample] = record.failed[0]!;
    expect([source, sample.method, sample.path, sample.partial]).toEqual(['pricing', 'GET', '/prices?ids=p-1,p-2', true]);
    expect(sample.error).toBeInstanceOf(UpstreamBadResponseError);
    expect([sample.error.source, sample.error.message, sample.error.status]).toEqual(['pricing', 'item p-3: price is not a number', 200]);
    expect(sample.error.bodySnippet).toBe(JSON.stringify(names).slice(0, 512));
    expect(sample.latencyMs).toBeGreaterThanOrEqual(25);
    expect(sample.latencyMs).toBeLessThanOrEqual(wall);
    expect(record.ended.map(([, outcome]) => outcome)).toEqual(['success']);
  });

  it('no sample for a batch without bad items, nor for an answer that is not a list', async () => {
    handler = json(200, names);
    const { pipeline, record } = pricing();
    expect(await pipeline.call({ ...GET_PRICES, parse: () => ['ok', 'fine'] }, scopeOf())).toEqual(['ok', 'fine']);
    expect(await pipeline.call({ ...GET_PRICES, parse: () => ({ find: 'not a list' }) }, scopeOf())).toEqual({ find: 'not a list' });
    expect(record.failed).toEqual([]);
    expect(record.ended.map(([, outcome]) => outcome)).toEqual(['success', 'success']);
  });
});

describe('what the tracer is told', () => {
  it('a call span named by the path without its query, or by the route given; attempts by resend count; ends with status and code', async () => {
    handler = inTurn(json(502, {}), json(200, []));
    const { pipeline } = pricing({ timeoutMs: 3000, attemptTimeoutMs: 2000, retry: { maxAttempts: 2 } });
    const { tracer, log, injected } = tracerLog();
    expect(await pipeline.call(GET_PRICES, scopeOf({ tracer }))).toEqual([]);
    expect(log).toEqual([
      ['start', 'pricing', 'GET', '/prices', `${baseUrl.origin}/`],
      ['set', { 'ballast.call.budget_ms': 3000, 'ballast.call.limited_by_deadline': false }],
      ['attempt', 0, 2000],
      ['attempt 0 end', 502, 'UPSTREAM_UNAVAILABLE'],
      ['event', 'ballast.retry', { 'error.type': 'UPSTREAM_UNAVAILABLE', 'ballast.delay_ms': 0 }],
      ['attempt', 1, 2000],
      ['attempt 1 end', 200, undefined],
      ['end', undefined],
    ]);
    expect(injected).toHaveLength(2);

    log.length = 0;
    await pipeline.call({ method: 'GET', path: '/carts/u-1', route: '/carts/{userId}', idempotent: true, parse: ({ body }) => body }, scopeOf({ tracer }));
    await pipeline.call({ method: 'GET', path: '/catalog', idempotent: true, parse: ({ body }) => body }, scopeOf({ tracer }));
    expect(log.filter(([what]) => what === 'start').map(([, , method, route]) => `${method as string} ${route as string}`)).toEqual(['GET /carts/{userId}', 'GET /catalog']);
  });

  it('a call that waited for a bulkhead slot: a waited event with the ms it waited, to a tenth', async () => {
    handler = json(200, [], 80);
    const { pipeline } = pricing({ bulkhead: { maxConcurrent: 1, maxQueue: 1 } });
    const { tracer, log } = tracerLog();
    const first = pipeline.call(GET_PRICES, scopeOf());
    const before = performance.now();
    await pipeline.call(GET_PRICES, scopeOf({ tracer }));
    const wall = performance.now() - before;
    await first;
    const waited = log.filter(([what, name]) => what === 'event' && name === 'ballast.bulkhead.waited');
    expect(waited).toHaveLength(1);
    const waitMs = (waited[0]![2] as { 'ballast.wait_ms': number })['ballast.wait_ms'];
    expect(waitMs).toBeGreaterThanOrEqual(50);
    expect(waitMs).toBeLessThanOrEqual(wall);
    expect(Math.round(waitMs * 10)).toBeCloseTo(waitMs * 10, 6);
  });
});

describe('the bulkhead slot a call holds (survivors of run N-P, ninth session)', () => {
  it('a call refused BULKHEAD_FULL, or aborted while queued, gives back no slot it never took: the bulkhead stays full', async () => {
    handler = hang;
    const { pipeline } = pricing({ bulkhead: { maxConcurrent: 1, maxQueue: 1 } });
    const holder = scopeOf();
    const holding = pipeline.call(GET_PRICES, holder).catch((error: unknown) => error);
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    expect(pipeline.bulkhead.inUse).toBe(1);

    // Queued, then its request ends while it waits: it never held the slot.
    const queuedScope = scopeOf();
    const queued = failureOf(pipeline.call(GET_PRICES, queuedScope));
    expect(pipeline.bulkhead.queued).toBe(1);
    for (const abort of queuedScope.finishers) abort(new CallCancelledError('pricing', 'the request ended'));
    expect((await queued).message).toBe('the request ended');
    expect([pipeline.bulkhead.inUse, pipeline.bulkhead.queued]).toEqual([1, 0]);

    // Refused at once with the queue full: it never held the slot either.
    const waiting = pipeline.call(GET_PRICES, scopeOf()).catch((error: unknown) => error);
    const refused = await failureOf(pipeline.call(GET_PRICES, scopeOf()));
    expect(refused.code).toBe('BULKHEAD_FULL');
    expect([pipeline.bulkhead.inUse, pipeline.bulkhead.queued]).toEqual([1, 1]);

    for (const abort of holder.finishers) abort(new CallCancelledError('pricing', 'done'));
    await holding;
    await vi.waitFor(() => expect(seen).toHaveLength(2));
    expect(pipeline.bulkhead.inUse).toBe(1);
    server.closeAllConnections();
    await waiting;
    expect([pipeline.bulkhead.inUse, pipeline.bulkhead.queued]).toEqual([0, 0]);
  });
});
