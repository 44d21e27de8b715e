import fc from 'fast-check';
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closedLoop, handledWithin, WORK_EVERY_TIME } from './cpu-overload.js';
import type { Answer } from './cpu-overload.js';
import { startHarness } from '../helpers/harness.js';
import { startBallastProcess } from '../helpers/process.js';
import type { Harness } from '../helpers/harness.js';
import { P1_NAME, P1_QUERY, rawConnect, rawGraphQLPost, sendTogether } from './raw-socket.js';
import type { RawResponse } from './raw-socket.js';
import { MIN_ADAPTIVE_LIMIT } from '../../src/front-door/adaptive-limit.js';
import { QueueDelayLimit } from '../../src/front-door/queue-delay.js';
import { RateLimiter } from '../../src/front-door/rate-limiter.js';

/**
 * Admission control against a real Ballast: requests beyond `server.maxInFlight`, or arriving
 * while the event loop lags, are refused at once with 503, Retry-After and OVERLOADED; health,
 * readiness and metrics still answer; normal service resumes by itself.
 */
const MAX_IN_FLIGHT = 4;
const CLIENTS = 40;
const CATALOG_LATENCY_MS = 1000;

async function post(url: string, accept = 'application/graphql-response+json, application/json'): Promise<{ status: number; headers: Headers; body: unknown; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept }, body: JSON.stringify({ query: P1_QUERY }) });
  const body: unknown = await response.json();
  return { status: response.status, headers: response.headers, body, ms: performance.now() - started };
}

async function shedCount(url: string, reason: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = new RegExp(`^ballast_requests_shed_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
}

const OVERLOADED = { errors: [{ message: `Ballast is overloaded (${MAX_IN_FLIGHT} requests in flight); retry later`, extensions: { code: 'OVERLOADED' } }] };
const SERVED = { data: { product: { id: 'p-0001', name: P1_NAME } } };

describe('max in-flight requests', () => {
  let harness: Harness;
  beforeAll(async () => {
    // The catalog's own timeouts are raised so the slow catalog answers instead of timing out.
    harness = await startHarness({
      server: { maxInFlight: MAX_IN_FLIGHT, maxEventLoopDelayMs: 0, overloadRetryAfterSeconds: 2 },
      sources: { catalog: { timeoutMs: 1800, attemptTimeoutMs: 1800 } },
    });
  });
  afterAll(() => harness.close());
  afterEach(() => harness.reset());

  it(`serves exactly ${MAX_IN_FLIGHT} of ${CLIENTS} concurrent slow requests and refuses the rest at once with 503 + Retry-After`, async () => {
    harness.service('catalog').setFault({ latencyMs: CATALOG_LATENCY_MS });
    const results = await sendTogether(harness.url, Array.from({ length: CLIENTS }, () => rawGraphQLPost(P1_QUERY)));

    const served = results.filter((result) => result.status === 200);
    const refused = results.filter((result) => result.status === 503);
    expect(served).toHaveLength(MAX_IN_FLIGHT);
    expect(refused).toHaveLength(CLIENTS - MAX_IN_FLIGHT);
    for (const result of served) expect(JSON.parse(result.body)).toEqual(SERVED);
    for (const result of refused) {
      expect(JSON.parse(result.body)).toEqual(OVERLOADED);
      expect(result.headers['retry-after']).toBe('2');
      expect(result.headers['content-type']).toBe('application/graphql-response+json; charset=utf-8');
      // Refused without waiting for the slow upstream.
      expect(result.ms).toBeLessThan(CATALOG_LATENCY_MS);
    }
    expect(Math.max(...results.map((result) => result.ms))).toBeLessThan(CATALOG_LATENCY_MS + 1500);
    expect(await shedCount(harness.url, 'in_flight')).toBe(CLIENTS - MAX_IN_FLIGHT);
    // The catalog saw only the admitted requests.
    expect(harness.service('catalog').requests).toHaveLength(MAX_IN_FLIGHT);

    harness.service('catalog').clearFault();
    const after = await post(harness.url);
    expect(after.status).toBe(200);
    expect(after.body).toEqual(SERVED);
  });

  it('a refused small request keeps its connection: the next request on the same socket is served', async () => {
    harness.service('catalog').setFault({ latencyMs: CATALOG_LATENCY_MS });
    const slow = sendTogether(harness.url, Array.from({ length: MAX_IN_FLIGHT }, () => rawGraphQLPost(P1_QUERY)));
    await expect.poll(() => harness.service('catalog').requests.length).toBe(MAX_IN_FLIGHT);
    const client = await rawConnect(harness.url);
    try {
      client.socket.write(rawGraphQLPost(P1_QUERY));
      await expect.poll(() => client.received()).toMatch(/OVERLOADED"}}]}$/);
      expect(client.received()).toMatch(/^HTTP\/1\.1 503 /);
      expect(client.received().toLowerCase()).not.toContain('connection: close');
      await slow;
      harness.service('catalog').clearFault();
      const before = client.received().length;
      client.socket.write(rawGraphQLPost(P1_QUERY));
      await expect.poll(() => client.received().slice(before)).toMatch(/}}}$/);
      const second = client.received().slice(before);
      expect(second).toMatch(/^HTTP\/1\.1 200 /);
      expect(JSON.parse(second.slice(second.indexOf('\r\n\r\n') + 4))).toEqual(SERVED);
      expect(client.socket.destroyed).toBe(false);
    } finally {
      client.socket.destroy();
    }
  });

  it('a refused request with a large body is answered and its connection closed', async () => {
    harness.service('catalog').setFault({ latencyMs: CATALOG_LATENCY_MS });
    const slow = sendTogether(harness.url, Array.from({ length: MAX_IN_FLIGHT }, () => rawGraphQLPost(P1_QUERY)));
    await expect.poll(() => harness.service('catalog').requests.length).toBe(MAX_IN_FLIGHT);
    const client = await rawConnect(harness.url);
    // Headers announce 64 KiB; only the headers are sent: the refusal must not wait for the body.
    client.socket.write('POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 65536\r\n\r\n{');
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 503 /);
    expect(client.received().toLowerCase()).toContain('connection: close');
    await slow;
  });

  /** Fills every slot with slow requests, then opens a raw socket that the next refusal goes to. */
  async function refusedOnFreshSocket(head: string): Promise<{ client: Awaited<ReturnType<typeof rawConnect>>; slow: Promise<RawResponse[]> }> {
    harness.service('catalog').resetLog();
    harness.service('catalog').setFault({ latencyMs: CATALOG_LATENCY_MS });
    const slow = sendTogether(harness.url, Array.from({ length: MAX_IN_FLIGHT }, () => rawGraphQLPost(P1_QUERY)));
    await expect.poll(() => harness.service('catalog').requests.length).toBe(MAX_IN_FLIGHT);
    const client = await rawConnect(harness.url);
    client.socket.write(head);
    return { client, slow };
  }

  it('a refused chunked request (no announced length) is answered and its connection closed', async () => {
    const { client, slow } = await refusedOnFreshSocket('POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n');
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 503 /);
    expect(client.received().toLowerCase()).toContain('connection: close');
    await slow;
  });

  it('drains a refused body of exactly 16 KiB and serves the next request on that socket; one byte more is closed', async () => {
    const body = JSON.stringify({ query: P1_QUERY, variables: { pad: 'x'.repeat(16 * 1024 - JSON.stringify({ query: P1_QUERY, variables: { pad: '' } }).length) } });
    expect(Buffer.byteLength(body)).toBe(16 * 1024);
    const head = (length: number) => `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: ${length}\r\n\r\n`;
    const { client, slow } = await refusedOnFreshSocket(head(body.length) + body.slice(0, 1));
    try {
      await expect.poll(() => client.received()).toMatch(/OVERLOADED"}}]}$/);
      expect(client.received().toLowerCase()).not.toContain('connection: close');
      client.socket.write(body.slice(1));
      await slow;
      harness.service('catalog').clearFault();
      const before = client.received().length;
      client.socket.write(rawGraphQLPost(P1_QUERY));
      await expect.poll(() => client.received().slice(before)).toMatch(/}}}$/);
      expect(client.received().slice(before)).toMatch(/^HTTP\/1\.1 200 /);
    } finally {
      client.socket.destroy();
    }
    const over = await refusedOnFreshSocket(head(16 * 1024 + 1) + '{');
    await over.client.closed;
    expect(over.client.received()).toMatch(/^HTTP\/1\.1 503 /);
    expect(over.client.received().toLowerCase()).toContain('connection: close');
    await over.slow;
  });

  it('never sheds /health, /ready or /metrics while every slot is taken', async () => {
    harness.service('catalog').setFault({ latencyMs: CATALOG_LATENCY_MS });
    const slow = sendTogether(harness.url, Array.from({ length: MAX_IN_FLIGHT }, () => rawGraphQLPost(P1_QUERY)));
    await expect.poll(() => harness.service('catalog').requests.length).toBe(MAX_IN_FLIGHT);
    const [health, ready, metrics, graphql] = await sendTogether(harness.url, [
      'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
      'GET /ready HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
      'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
      rawGraphQLPost(P1_QUERY),
    ]);
    expect([health!.status, ready!.status, metrics!.status, graphql!.status]).toEqual([200, 200, 200, 503]);
    expect((await slow).map((result) => result.status)).toEqual([200, 200, 200, 200]);
  });

  it('answers 503 under application/json too, with an application/json body', async () => {
    harness.service('catalog').setFault({ latencyMs: CATALOG_LATENCY_MS });
    const request = rawGraphQLPost(P1_QUERY).replace('application/graphql-response+json, application/json', 'application/json');
    const results = await sendTogether(harness.url, Array.from({ length: MAX_IN_FLIGHT + 1 }, () => request));
    const refused = results.filter((result) => result.status === 503);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(refused[0]!.body)).toEqual(OVERLOADED);
  });
});

describe('event-loop delay', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ server: { maxEventLoopDelayMs: 100 } });
  });
  afterAll(() => harness.close());

  /** Keeps this process's event loop (shared with the gateway) ~150 ms behind until stopped. */
  function saturateEventLoop(): () => void {
    const timer = setInterval(() => {
      const until = performance.now() + 150;
      while (performance.now() < until) {
        // busy: the loop lags as it would under CPU overload
      }
    }, 10);
    return () => clearInterval(timer);
  }

  it('refuses requests with 503 while the loop lags, answers /health meanwhile, and serves again once it catches up', async () => {
    const stop = saturateEventLoop();
    try {
      await expect.poll(async () => (await post(harness.url)).status, { timeout: 5000 }).toBe(503);
      const refused = await post(harness.url);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(refused.body).toEqual({ errors: [{ message: 'Ballast is overloaded (the event loop is behind); retry later', extensions: { code: 'OVERLOADED' } }] });
      expect((await fetch(`${harness.url}/health`)).status).toBe(200);
    } finally {
      stop();
    }
    await expect.poll(async () => (await post(harness.url)).status, { timeout: 5000 }).toBe(200);
    expect((await post(harness.url)).body).toEqual(SERVED);
    expect(await shedCount(harness.url, 'event_loop_delay')).toBeGreaterThanOrEqual(2);
  });
});

describe('per-client rate limit', () => {
  const BURST = 3;
  let harness: Harness;
  beforeAll(async () => {
    // 0.2 requests/s: no token comes back during the test, so the counts are exact.
    harness = await startHarness({ identity: { mode: 'header' }, security: { rateLimit: { requestsPerSecond: 0.2, burst: BURST } } });
  });
  afterAll(() => harness.close());

  /** Statuses of `count` requests sent one after the other. */
  async function statuses(count: number, headers: Record<string, string> = {}, localAddress?: string): Promise<RawResponse[]> {
    const responses: RawResponse[] = [];
    for (let i = 0; i < count; i++) responses.push(...(await sendTogether(harness.url, [rawGraphQLPost(P1_QUERY, headers)], localAddress)));
    return responses;
  }

  it(`lets a user send ${BURST} requests, refuses the next with 429 + Retry-After, and still serves another user`, async () => {
    const sentAt = performance.now();
    const alice = await statuses(BURST + 1, { 'x-user-id': 'alice' });
    const tookSeconds = (performance.now() - sentAt) / 1000;
    expect(alice.map((response) => response.status)).toEqual([200, 200, 200, 429]);
    expect(JSON.parse(alice[0]!.body)).toEqual(SERVED);
    const refused = alice[BURST]!;
    // A token comes back 5 s after the first request, less the time the four requests took (at
    // most what this clock saw): 5 when they took under a second, as on a quiet machine; on a
    // loaded runner they take longer, so the lower end comes from the measured time, not a constant.
    const retryAfter = refused.headers['retry-after']!;
    expect(Number(retryAfter)).toBeLessThanOrEqual(5);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(Math.max(1, Math.ceil(5 - tookSeconds)));
    expect(JSON.parse(refused.body)).toEqual({ errors: [{ message: `too many requests; retry in ${retryAfter} s`, extensions: { code: 'RATE_LIMITED' } }] });
    const bob = await statuses(1, { 'x-user-id': 'bob' });
    expect(bob[0]!.status).toBe(200);
    expect(JSON.parse(bob[0]!.body)).toEqual(SERVED);
    expect(await shedCount(harness.url, 'rate_limited')).toBe(1);
  });

  it('answers 429 under application/json too, with an application/json body', async () => {
    const accepted = await statuses(BURST, { 'x-user-id': 'carol' });
    expect(accepted.map((response) => response.status)).toEqual([200, 200, 200]);
    const request = rawGraphQLPost(P1_QUERY, { 'x-user-id': 'carol' }).replace('application/graphql-response+json, application/json', 'application/json');
    const [refused] = await sendTogether(harness.url, [request]);
    expect(refused!.status).toBe(429);
    expect(refused!.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(refused!.body).errors[0].extensions).toEqual({ code: 'RATE_LIMITED' });
  });

  it('limits anonymous callers by socket address, ignoring X-Forwarded-For unless trustProxy is set', async () => {
    const spoofing = await statuses(BURST + 1, { 'x-forwarded-for': '10.0.0.1' }, '127.0.0.2');
    expect(spoofing.map((response) => response.status)).toEqual([200, 200, 200, 429]);
    const forged = await statuses(1, { 'x-forwarded-for': '10.9.9.9' }, '127.0.0.2');
    expect(forged[0]!.status).toBe(429);
    const otherAddress = await statuses(1, {}, '127.0.0.3');
    expect(otherAddress[0]!.status).toBe(200);
    expect(JSON.parse(otherAddress[0]!.body)).toEqual(SERVED);
  });
});

describe('per-client rate limit behind a trusted proxy', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ security: { rateLimit: { requestsPerSecond: 0.2, burst: 2, trustProxy: true } } });
  });
  afterAll(() => harness.close());

  it('buckets by the last X-Forwarded-For entry', async () => {
    const send = async (forwardedFor: string) => (await sendTogether(harness.url, [rawGraphQLPost(P1_QUERY, { 'x-forwarded-for': forwardedFor })]))[0]!.status;
    expect([await send('203.0.113.7'), await send('1.1.1.1, 203.0.113.7'), await send('203.0.113.7')]).toEqual([200, 200, 429]);
    expect(await send('198.51.100.4')).toBe(200);
  });
});

describe('adaptive in-flight limit', () => {
  const DEADLINE_MS = 1000;
  const SLOW_MS = 700;
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({
      deadlineMs: DEADLINE_MS,
      // Only the rule under test: the deadline rule reads this process's loop, shared with the test's clients.
      server: { maxEventLoopDelayMs: 0, deadlineAdmission: { enabled: false } },
      sources: { catalog: { timeoutMs: 1500, attemptTimeoutMs: 1500 } },
    });
  });
  afterAll(() => harness.close());

  it(`after requests took over half the deadline, admits only ${MIN_ADAPTIVE_LIMIT} at once (503 with reason latency), and opens up again once they are fast`, async () => {
    harness.service('catalog').setFault({ latencyMs: SLOW_MS });
    // The first slow completion closes a window of one completion in over 250 ms: at most 4/s × half the deadline, so the floor, 32.
    const first = await sendTogether(harness.url, Array.from({ length: 16 }, () => rawGraphQLPost(P1_QUERY)));
    expect(first.map((response) => response.status)).toEqual(Array(16).fill(200));

    const second = await sendTogether(harness.url, Array.from({ length: 40 }, () => rawGraphQLPost(P1_QUERY)));
    const refused = second.filter((response) => response.status === 503);
    expect(second.filter((response) => response.status === 200)).toHaveLength(MIN_ADAPTIVE_LIMIT);
    expect(refused).toHaveLength(40 - MIN_ADAPTIVE_LIMIT);
    expect(JSON.parse(refused[0]!.body)).toEqual({ errors: [{ message: 'Ballast is overloaded (requests are taking over half their deadline); retry later', extensions: { code: 'OVERLOADED' } }] });
    expect(await shedCount(harness.url, 'latency')).toBe(40 - MIN_ADAPTIVE_LIMIT);

    harness.service('catalog').clearFault();
    await expect
      .poll(async () => (await sendTogether(harness.url, Array.from({ length: 40 }, () => rawGraphQLPost(P1_QUERY)))).filter((response) => response.status === 200).length, { timeout: 10_000 })
      .toBe(40);
  });
});

describe('per-client rate limit with JWT identity', () => {
  const SECRET = 'a-rate-limit-test-secret-long-enough-for-hs256';
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ identity: { mode: 'jwt', jwt: { secret: SECRET, algorithms: ['HS256'] } }, security: { rateLimit: { requestsPerSecond: 0.2, burst: 2 } } });
  });
  afterAll(() => harness.close());

  const bearer = async (subject: string, secret = SECRET) => ({
    authorization: `Bearer ${await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(subject).setExpirationTime('5m').sign(new TextEncoder().encode(secret))}`,
  });
  const send = async (headers: Record<string, string>, localAddress: string) => (await sendTogether(harness.url, [rawGraphQLPost(P1_QUERY, headers)], localAddress))[0]!.status;

  it('buckets by the verified user id whatever address it comes from; a forged token is refused before it can use a bucket', async () => {
    const dana = await bearer('dana');
    expect([await send(dana, '127.0.0.4'), await send(dana, '127.0.0.5'), await send(dana, '127.0.0.6')]).toEqual([200, 200, 429]);
    expect(await send(await bearer('erin'), '127.0.0.4')).toBe(200);
    expect(await send(await bearer('dana', 'another-secret-that-is-long-enough-for-hs256'), '127.0.0.7')).toBe(401);
  });
});

describe('adaptive in-flight limit turned off', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ deadlineMs: 1000, server: { adaptiveLimit: false, maxEventLoopDelayMs: 0, deadlineAdmission: { enabled: false } }, sources: { catalog: { timeoutMs: 1500, attemptTimeoutMs: 1500 } } });
  });
  afterAll(() => harness.close());

  it('admits every request however long the previous ones took', async () => {
    harness.service('catalog').setFault({ latencyMs: 700 });
    await sendTogether(harness.url, Array.from({ length: 16 }, () => rawGraphQLPost(P1_QUERY)));
    const second = await sendTogether(harness.url, Array.from({ length: 40 }, () => rawGraphQLPost(P1_QUERY)));
    expect(second.map((response) => response.status)).toEqual(Array(40).fill(200));
  });
});

describe('rate limiter buckets', () => {
  it('refills at the configured rate, says exactly when to retry, and tracks at most maxClients', () => {
    let now = 0;
    const limiter = new RateLimiter(2, 3, 100, () => now);
    expect([1, 2, 3, 4].map(() => limiter.take('a'))).toEqual([{ allowed: true }, { allowed: true }, { allowed: true }, { allowed: false, retryAfterSeconds: 1 }]);
    now = 500; // one token back at 2/s
    expect(limiter.take('a')).toEqual({ allowed: true });
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    const slow = new RateLimiter(0.1, 1, 100, () => now);
    slow.take('b');
    expect(slow.take('b')).toEqual({ allowed: false, retryAfterSeconds: 10 });

    const bounded = new RateLimiter(1, 1, 3, () => now);
    for (let i = 0; i < 10_000; i++) bounded.take(`client-${i}`);
    expect(bounded.trackedClients).toBe(3);
    // The oldest were forgotten: client-0 starts again with a full bucket, the newest is still empty.
    expect(bounded.take('client-0')).toEqual({ allowed: true });
    expect(bounded.take('client-9999')).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });
});

describe('queue-delay rule (CoDel-like), injected clock and utilisation', () => {
  const SETTINGS = { targetMs: 100, intervalMs: 100, minUtilisation: 0.9 };

  /** A limit on a clock the test moves, with the event loop as busy as `utilisation` says. */
  function limitAt(utilisation = 1): { limit: QueueDelayLimit; at(ms: number): void; setUtilisation(value: number): void } {
    let now = 0;
    let busy = utilisation;
    const limit = new QueueDelayLimit(SETTINGS, () => now, () => busy);
    return { limit, at: (ms) => (now = ms), setUtilisation: (value) => (busy = value) };
  }

  /** Admits `count` requests at the current time; returns how many are in flight. */
  function admitAll(limit: QueueDelayLimit, from: number, count: number): number {
    for (let inFlight = from; inFlight < from + count; inFlight++) {
      expect(limit.shouldShed(inFlight)).toBe(false);
      limit.admitted(inFlight + 1);
    }
    return from + count;
  }

  it('sheds once even the fastest request of an interval on a busy loop took longer than the target, admitting what completes in the target', () => {
    const { limit, at } = limitAt();
    let inFlight = admitAll(limit, 0, 20);
    at(50);
    for (let i = 0; i < 5; i++) limit.completed(120 + i, --inFlight);
    at(100);
    // 5 completions in 100 ms: 5 fit in the 100 ms target (Little's law), 15 are in flight.
    expect(limit.shouldShed(inFlight)).toBe(true);
    expect(limit.overloaded).toBe(true);
    expect(limit.limit).toBe(5);
    expect(limit.shouldShed(4)).toBe(false);
    expect(limit.shouldShed(5)).toBe(true);
    // The queue drains: everything that completes next is under the target, so the door opens.
    at(150);
    for (let i = 0; i < 12; i++) limit.completed(80, --inFlight);
    at(200);
    expect(limit.shouldShed(inFlight)).toBe(false);
    expect(limit.overloaded).toBe(false);
    expect(limit.limit).toBe(Number.POSITIVE_INFINITY);
  });

  it('does not shed for one fast request among slow ones, nor for slow requests on an idle loop (a slow upstream)', () => {
    const oneFast = limitAt();
    let inFlight = admitAll(oneFast.limit, 0, 10);
    oneFast.at(50);
    oneFast.limit.completed(300, --inFlight);
    oneFast.limit.completed(99, --inFlight);
    oneFast.at(100);
    expect(oneFast.limit.shouldShed(inFlight)).toBe(false);

    const idle = limitAt(0.5);
    inFlight = admitAll(idle.limit, 0, 10);
    idle.at(50);
    idle.limit.completed(700, --inFlight);
    idle.at(100);
    expect(idle.limit.shouldShed(inFlight)).toBe(false);
    // The same completions on a busy loop do shed.
    idle.setUtilisation(0.95);
    idle.at(150);
    idle.limit.completed(700, --inFlight);
    idle.at(200);
    expect(idle.limit.shouldShed(inFlight)).toBe(true);
  });

  it('sheds everything when nothing completed for longer than the target on a busy loop, and reopens once idle', () => {
    const { limit, at } = limitAt();
    admitAll(limit, 0, 3);
    at(100);
    // 100 ms without progress is the target, not over it.
    expect(limit.shouldShed(3)).toBe(false);
    at(201);
    expect(limit.shouldShed(3)).toBe(true);
    expect(limit.limit).toBe(0);
    expect(limit.shouldShed(0)).toBe(true);
    // Nothing in flight at the next interval: no queue, admitted again.
    at(301);
    expect(limit.shouldShed(0)).toBe(false);
  });

  it('judges the loop busy over the whole target, so the burst of answers after a slow upstream does not shed; one request alone is no queue', () => {
    let now = 0;
    const busyByInterval = [0.1, 0.1, 1, 1, 1, 1];
    let interval = 0;
    const limit = new QueueDelayLimit({ targetMs: 300, intervalMs: 100, minUtilisation: 0.9 }, () => now, () => busyByInterval[interval++]!);
    for (let inFlight = 0; inFlight < 10; inFlight++) limit.admitted(inFlight + 1);
    // Waiting on an upstream for 700 ms: the loop is idle, then busy answering everyone at once.
    for (const at of [100, 200]) {
      now = at;
      expect(limit.shouldShed(10)).toBe(false);
    }
    now = 250;
    limit.completed(700, 9);
    now = 300;
    expect(limit.shouldShed(9)).toBe(false);
    // Busy for the whole 300 ms target with the fastest still over it: a queue for the CPU.
    for (const at of [350, 450, 550]) {
      now = at;
      limit.completed(700, 9);
      limit.admitted(10);
    }
    now = 600;
    expect(limit.shouldShed(10)).toBe(true);

    const alone = limitAt();
    alone.limit.admitted(1);
    alone.at(100);
    expect(alone.limit.shouldShed(1)).toBe(false);
    alone.at(250);
    expect(alone.limit.shouldShed(1)).toBe(false);
  });

  const step = fc.record({ dtMs: fc.integer({ min: 0, max: 250 }), sojournMs: fc.integer({ min: 0, max: 5000 }), inFlight: fc.integer({ min: 0, max: 2000 }), utilisation: fc.double({ min: 0, max: 1, noNaN: true }) });

  it('property: never sheds while the loop is below minUtilisation, whatever the delays', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200 }), (steps) => {
        let now = 0;
        let utilisation = 0;
        const limit = new QueueDelayLimit(SETTINGS, () => now, () => utilisation);
        for (const { dtMs, sojournMs, inFlight, utilisation: busy } of steps) {
          now += dtMs;
          utilisation = busy * 0.9 * 0.999; // strictly below 0.9
          limit.completed(sojournMs, inFlight);
          if (limit.shouldShed(inFlight)) return false;
          limit.admitted(inFlight + 1);
        }
        return true;
      }),
    );
  });

  it('property: never sheds while every request completes within the target and progress never stalls longer than it', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ dtMs: fc.integer({ min: 0, max: SETTINGS.targetMs }), sojournMs: fc.integer({ min: 0, max: SETTINGS.targetMs }), inFlight: fc.integer({ min: 0, max: 2000 }) }), { maxLength: 200 }), (steps) => {
        let now = 0;
        const limit = new QueueDelayLimit(SETTINGS, () => now, () => 1);
        for (const { dtMs, sojournMs, inFlight } of steps) {
          now += dtMs;
          limit.completed(sojournMs, inFlight);
          if (limit.shouldShed(inFlight)) return false;
          limit.admitted(inFlight + 1);
        }
        return true;
      }),
    );
  });

  it('property: while overloaded it admits exactly below the completions-in-target bound', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 100, max: 400 }), fc.integer({ min: 0, max: 3000 }), (completions, intervalEnd, inFlight) => {
        let now = 0;
        const limit = new QueueDelayLimit(SETTINGS, () => now, () => 1);
        now = 50;
        for (let i = 0; i < completions; i++) limit.completed(SETTINGS.targetMs + 1 + i, 1000);
        now = intervalEnd;
        const bound = Math.floor((completions * SETTINGS.targetMs) / intervalEnd);
        return limit.shouldShed(inFlight) === inFlight >= bound && limit.limit === bound;
      }),
    );
  });
});

/**
 * A real Ballast process (its embedded demo upstreams in the same process) made CPU-bound for
 * real by 64 closed-loop clients sending the largest legal page with prices and stock: more
 * work than the process can do within a 0.5 s deadline.
 */
describe('a real Ballast process under CPU overload', () => {
  // A short deadline so the overload holds whatever else the machine runs (a CI runner's other
  // test files, a faster Node): the queue target is a quarter of it.
  const DEADLINE_MS = 500;
  const CLIENTS = 64;
  const LOAD_MS = 5000;
  const MAX_DOUBLINGS = 2;
  /**
   * Bounds, not speed claims. Inside Ballast (its own request histogram) every answer is done by
   * the deadline plus 4 s for a loop that runs late; seen from the client, which also waits while
   * the request sits unread in the socket and while other processes hold the CPU, within 10 s.
   */
  const INSIDE_BOUND_SECONDS = 5;
  const LATE_BOUND_MS = DEADLINE_MS + 9000;

  /** Overloads a fresh process with `clients`; `bounded`: also hold it to the time bounds. */
  async function runOverload(env: Record<string, string>, clients: number, bounded: boolean, reason: string, message: string): Promise<void> {
    const ballast = await startBallastProcess({ env: { BALLAST_WORKERS: '1', BALLAST__deadlineMs: String(DEADLINE_MS), ...WORK_EVERY_TIME, ...env } });
    try {
      // Compiled and warm first: the overload under test is steady load, not a cold start.
      for (let i = 0; i < 5; i++) expect((await post(ballast.url)).status).toBe(200);
      // How many clients overload one process depends on how fast the machine runs Ballast (at
      // 2.5 ms a request, 128 clients wait 320 ms each: barely past the adaptive target of 250 ms),
      // so the load doubles until something is shed, at most twice and within maxInFlight (1024).
      const answers: Answer[] = [];
      for (let step = 0; step <= MAX_DOUBLINGS && !answers.some((answer) => answer.status === 503); step++) {
        answers.push(...(await closedLoop(ballast.url, clients * 2 ** step, LOAD_MS)));
      }
      const shed = answers.filter((answer) => answer.status === 503);
      const served = answers.filter((answer) => answer.status === 200);
      expect(answers.filter((answer) => answer.status !== 200 && answer.status !== 503)).toEqual([]);
      expect(shed.length).toBeGreaterThan(0);
      expect(served.length).toBeGreaterThan(0);
      for (const answer of shed) {
        expect(answer.retryAfter).toBe('1');
        expect(JSON.parse(answer.body)).toEqual({ errors: [{ message, extensions: { code: 'OVERLOADED' } }] });
      }
      expect(await shedCount(ballast.url, reason)).toBeGreaterThan(0);
      if (bounded) {
        expect(Math.max(...served.map((answer) => answer.ms))).toBeLessThan(LATE_BOUND_MS);
        const inside = await handledWithin(ballast.url, INSIDE_BOUND_SECONDS);
        expect(inside.within).toBe(inside.total);
        expect(inside.total).toBeGreaterThanOrEqual(served.length);
      }
      // Once the load stops, a normal query is answered in full.
      await expect.poll(async () => (await post(ballast.url)).status, { timeout: 10_000 }).toBe(200);
      expect((await post(ballast.url)).body).toEqual(SERVED);
    } finally {
      ballast.kill();
    }
  }

  it('sheds on queue delay with 503 OVERLOADED + Retry-After, never answers a 2xx far past the deadline, and serves normally afterwards', { timeout: 90_000 }, async () => {
    await runOverload({ BALLAST__server__maxEventLoopDelayMs: '0', BALLAST__server__adaptiveLimit: 'false', BALLAST__server__queueShedding__enabled: 'true', BALLAST__server__deadlineAdmission__enabled: 'false' }, CLIENTS, true, 'queue_delay', 'Ballast is overloaded (requests are queueing for the CPU); retry later');
  });

  // Its floor of 32 slots needs more clients before it sheds; it does not hold the time bounds
  // (2xx answers took up to 14.5 s here), which is why queue shedding exists (docs/security.md).
  it('the adaptive in-flight limit alone sheds under a real CPU overload too (reason latency)', { timeout: 90_000 }, async () => {
    await runOverload({ BALLAST__server__maxEventLoopDelayMs: '0', BALLAST__server__queueShedding__enabled: 'false', BALLAST__server__deadlineAdmission__enabled: 'false' }, 2 * CLIENTS, false, 'latency', 'Ballast is overloaded (requests are taking over half their deadline); retry later');
  });
});
