import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DemoSourceName as SourceName } from './routes.js';
import type { DemoData } from './data.js';
import { applyItemFaults, corruptTypes, hasItemFaults, FaultState, faultSchema, scenarioSchema } from './faults.js';
import type { Fault } from './faults.js';
import type { DemoAnswer, DemoRoute } from './routes.js';
import { IdempotencyStore } from './idempotency.js';
import { DEMO_WRITE_ROUTES } from './write-routes.js';
import type { DemoWriteRoute } from './write-routes.js';

export interface LatencyOptions {
  /** Latency of every answer, in ms. @default 0 */
  baseMs?: number;
  /** Random extra latency, up to this many ms. @default 0 */
  jitterMs?: number;
}

/** One request as the demo service saw it: what tests assert on (batching, forwarded headers). */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  at: number;
}

const LOG_LIMIT = 1000;
const KEY_REQUIRED: DemoAnswer = { status: 400, body: { error: 'writes need an Idempotency-Key header' } };
const CONTROL_PREFIX = '/__control/';

/**
 * One demo REST service on `node:http`, with fault injection through `setFault()` or
 * `PUT /__control/fault` (JSON body, see `faultSchema`), and a log of the requests it served.
 */
export class DemoService {
  readonly name: SourceName;
  readonly faults = new FaultState();
  readonly #route: DemoRoute;
  readonly #data: DemoData;
  readonly #latency: Required<LatencyOptions>;
  readonly #server: Server;
  readonly #log: RecordedRequest[] = [];
  readonly #idempotency = new IdempotencyStore();
  #requestCount = 0;

  constructor(name: SourceName, route: DemoRoute, data: DemoData, latency: LatencyOptions = {}) {
    this.name = name;
    this.#route = route;
    this.#data = data;
    this.#latency = { baseMs: latency.baseMs ?? 0, jitterMs: latency.jitterMs ?? 0 };
    this.#server = createServer((request, response) => this.#handle(request, response));
    this.#server.keepAliveTimeout = 30_000;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => resolve());
    });
    return this.url;
  }

  get url(): string {
    const { address, port } = this.#server.address() as AddressInfo;
    return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  }

  setFault(fault: Fault): void {
    this.faults.set(faultSchema.parse(fault));
  }

  clearFault(): void {
    this.faults.clear();
  }

  /** Replays a captured failure scenario: successive requests get successive faults, cycling. */
  replay(faults: Fault[]): void {
    this.faults.replay(faults.map((fault) => faultSchema.parse(fault)));
  }

  /** Requests served (control requests excluded) since start or the last `resetLog()`. */
  get requestCount(): number {
    return this.#requestCount;
  }

  /** The most recent requests, oldest first (at most 1,000). */
  get requests(): readonly RecordedRequest[] {
    return this.#log;
  }

  resetLog(): void {
    this.#log.length = 0;
    this.#requestCount = 0;
  }

  /** Stops listening and cuts every open connection, hung ones included. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  #handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://demo');
    if (url.pathname.startsWith(CONTROL_PREFIX)) {
      void this.#control(url, request, response);
      return;
    }
    const writeRoute = DEMO_WRITE_ROUTES[this.name];
    if (writeRoute && request.method !== 'GET' && request.method !== 'HEAD') {
      void this.#handleWrite(url, request, response, writeRoute);
      return;
    }
    this.#record(request);
    const { fault, shouldError } = this.faults.next();
    const delay = this.#latency.baseMs + Math.random() * this.#latency.jitterMs + (fault.latencyMs ?? 0);
    const answer = (): void => this.#answer(url, fault, shouldError, request, response);
    if (fault.hang) return;
    if (delay > 0) setTimeout(answer, delay);
    else answer();
  }

  /**
   * A write: applied once per `Idempotency-Key` (a replay gets the first answer again). Faults
   * act as on reads; with `applyWriteFirst` the write is applied before they do.
   */
  async #handleWrite(url: URL, request: IncomingMessage, response: ServerResponse, route: DemoWriteRoute): Promise<void> {
    this.#record(request);
    const { fault, shouldError } = this.faults.next();
    const body = await readJson(request);
    const key = request.headers['idempotency-key'];
    const method = request.method ?? 'POST';
    const write = (): DemoAnswer =>
      typeof key === 'string' && key !== '' ? this.#idempotency.run(key, `${method} ${url.pathname} ${JSON.stringify(body)}`, () => route(method, url, body, this.#data)) : KEY_REQUIRED;
    const applied = fault.applyWriteFirst ? write() : undefined;
    const delay = this.#latency.baseMs + Math.random() * this.#latency.jitterMs + (fault.latencyMs ?? 0);
    const answer = (): void => this.#answer(url, fault, shouldError, request, response, () => applied ?? write());
    if (fault.hang) return;
    if (delay > 0) setTimeout(answer, delay);
    else answer();
  }

  #record(request: IncomingMessage): void {
    this.#requestCount += 1;
    this.#log.push({ method: request.method ?? 'GET', url: request.url ?? '/', headers: request.headers, at: Date.now() });
    if (this.#log.length > LOG_LIMIT) this.#log.shift();
  }

  #answer(url: URL, fault: Fault, shouldError: boolean, request: IncomingMessage, response: ServerResponse, compute?: () => DemoAnswer): void {
    if (response.destroyed) return;
    if (fault.reset) {
      request.socket.resetAndDestroy();
      return;
    }
    if (shouldError) {
      const status = fault.errorStatus ?? 500;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
      response.writeHead(status, headers).end(JSON.stringify({ error: `injected ${status}` }));
      return;
    }
    if (fault.htmlError) {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<html><body><h1>502 Bad Gateway</h1></body></html>');
      return;
    }
    const answer = compute ? compute() : this.#route(url, this.#data);
    const text = JSON.stringify(applyBodyFaults(answer, fault));
    if (fault.malformedJson) {
      response.writeHead(answer.status, { 'content-type': 'application/json' }).end(text.slice(0, Math.max(1, Math.floor(text.length / 2))));
      return;
    }
    if (fault.slowBodyMs) {
      this.#sendSlowly(response, answer.status, text, fault.slowBodyMs);
      return;
    }
    response.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
  }

  #sendSlowly(response: ServerResponse, status: number, text: string, waitMs: number): void {
    const half = Math.floor(text.length / 2);
    response.writeHead(status, { 'content-type': 'application/json' });
    response.write(text.slice(0, half));
    const timer = setTimeout(() => response.end(text.slice(half)), waitMs);
    response.once('close', () => clearTimeout(timer));
  }

  async #control(url: URL, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const reply = (status: number, body: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const action = url.pathname.slice(CONTROL_PREFIX.length);
    if (action === 'fault' && (request.method === 'PUT' || request.method === 'POST')) {
      const parsed = faultSchema.safeParse(await readJson(request));
      if (!parsed.success) return reply(400, { error: parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ') });
      this.faults.set(parsed.data);
      return reply(200, { fault: parsed.data });
    }
    if (action === 'fault' && request.method === 'DELETE') {
      this.faults.clear();
      return reply(200, { fault: {} });
    }
    if (action === 'fault' && request.method === 'GET') return reply(200, { fault: this.faults.current });
    if (action === 'scenario' && (request.method === 'PUT' || request.method === 'POST')) {
      const parsed = scenarioSchema.safeParse(await readJson(request));
      if (!parsed.success) return reply(400, { error: parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ') });
      this.faults.replay(parsed.data.faults);
      return reply(200, { faults: parsed.data.faults.length });
    }
    if (action === 'requests' && request.method === 'GET') return reply(200, { count: this.#requestCount, requests: this.#log.slice(-50) });
    if (action === 'requests' && request.method === 'DELETE') {
      this.resetLog();
      return reply(200, { count: 0 });
    }
    reply(404, { error: `unknown control ${request.method ?? ''} ${url.pathname}` });
  }
}

function applyBodyFaults(answer: DemoAnswer, fault: Fault): unknown {
  if (fault.wrongTypes) return corruptTypes(answer.body);
  if (fault.wrongUserId !== undefined) return { ...(answer.body as object), userId: fault.wrongUserId };
  const body = answer.body as { items?: Array<Record<string, unknown>> };
  if (!Array.isArray(body.items) || !hasItemFaults(fault)) return answer.body;
  const badIds = fault.badItemIds ?? [];
  const items = body.items.map((item) => (badIds.includes(String(item.productId ?? item.id)) ? (corruptTypes(item) as Record<string, unknown>) : item));
  return { ...body, items: applyItemFaults(items, fault) };
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > 64_000) return undefined;
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    return undefined;
  }
}
