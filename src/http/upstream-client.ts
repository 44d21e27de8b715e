import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import {
  UpstreamBadResponseError,
  UpstreamError,
  UpstreamRejectedError,
  UpstreamUnavailableError,
} from '../errors.js';
import type { CallSignal } from './call-signal.js';
import { parseRetryAfter } from './retry-after.js';

export interface UpstreamRequest {
  /** Data source name, carried into errors. */
  source: string;
  /** Base URL from config; its path, if any, prefixes `path`. */
  baseUrl: URL;
  method: UpstreamMethod;
  /** Path and query, already encoded by the caller (see `buildPath`). */
  path: string;
  headers: Record<string, string>;
  /** Sent as a JSON body (writes); absent: no body. */
  body?: unknown;
  /** Aborts the request; its `reason` becomes the rejection. */
  signal: CallSignal;
  /** Non-2xx statuses the caller handles itself (e.g. 404 = empty cart); answered with `body: null`. */
  acceptStatuses?: readonly number[];
}

/** GET reads; PUT, POST and DELETE are the writes of docs/architecture.md § Contract: the upstream REST services. */
export type UpstreamMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface UpstreamResponse {
  status: number;
  /** Parsed JSON for 2xx answers, null for an accepted non-2xx status. */
  body: unknown;
}

export interface UpstreamClientOptions {
  /** Keep-alive connections for an origin nobody set a limit for with `limitConnections`. @default 32 */
  connectionsPerOrigin?: number;
  /** Largest response body accepted, in bytes. @default 5_000_000 */
  maxResponseBytes?: number;
}

const RETRYABLE_STATUS = new Set([408, 429]);
/** How much of a failed answer's body is kept for failure samples (characters of its text, or of a parsed body serialised). */
export const SNIPPET_BYTES = 512;
/**
 * JSON nested deeper than this is a bad answer (docs/degradation.md, "Wrong answers"). The answers
 * of docs/architecture.md § Contract: the upstream REST services nest 3 levels; JSON.parse takes
 * about 1 µs per level of a deep body (2.4 M levels, 4.8 MB: 2 to 3 s of a blocked loop), and a
 * recursive walker such as JSON.stringify throws RangeError past a few thousand.
 */
export const MAX_JSON_DEPTH = 128;
/**
 * Bodies from this many characters on are scanned for their depth before JSON.parse. The scan
 * costs about 1.5 µs per KB (a third of JSON.parse's own cost); a smaller body, S1's few KB
 * included, pays one comparison: it nests at most 8 K levels, which JSON.parse reads in a few ms;
 * a failure sample serialises no more of it than it keeps, and a check that overflows the stack
 * on such a body is a bad response, never retried (src/resilience/pipeline.ts).
 */
export const DEPTH_SCANNED_FROM = 16_384;

/**
 * The only way Ballast talks HTTP to its upstreams: one undici `Pool` per origin (keep-alive,
 * bounded connections), `request` rather than `fetch` (about 3x cheaper), JSON bodies with a size
 * cap, and every failure turned into an `UpstreamError` subclass.
 */
export class UpstreamClient {
  readonly #pools = new Map<string, Pool>();
  readonly #connections: number;
  readonly #limits = new Map<string, number>();
  readonly #maxResponseBytes: number;

  constructor({ connectionsPerOrigin = 32, maxResponseBytes = 5_000_000 }: UpstreamClientOptions = {}) {
    this.#connections = connectionsPerOrigin;
    this.#maxResponseBytes = maxResponseBytes;
  }

  async request(request: UpstreamRequest): Promise<UpstreamResponse> {
    const pool = this.#pool(request.baseUrl.origin);
    const path = joinPath(request.baseUrl.pathname, request.path);
    let response: Dispatcher.ResponseData;
    try {
      const hasBody = request.body !== undefined;
      response = await pool.request({
        method: request.method,
        path,
        headers: hasBody ? { ...request.headers, 'content-type': 'application/json' } : request.headers,
        ...(hasBody ? { body: JSON.stringify(request.body) } : {}),
        // undici needs only `aborted`, `reason` and the listener methods of a signal (its
        // api/abort-signal.js), which the pipeline's cheaper CallAbort has.
        signal: request.signal as AbortSignal,
      });
    } catch (error) {
      throw toUpstreamError(request, error, 'request failed');
    }
    return this.#readResponse(request, response);
  }

  /**
   * Sets how many keep-alive connections the pool of `origin` may open (a source's
   * `connections`); sources sharing an origin share its pool, which takes the largest limit.
   */
  limitConnections(origin: string, connections: number): void {
    this.#limits.set(origin, Math.max(connections, this.#limits.get(origin) ?? 0));
  }

  /** Pool counters per origin, for tests and the operations view. */
  stats(): Record<string, { connected: number; running: number; pending: number }> {
    const result: Record<string, { connected: number; running: number; pending: number }> = {};
    for (const [origin, pool] of this.#pools) {
      const { connected, running, pending } = pool.stats;
      result[origin] = { connected, running, pending };
    }
    return result;
  }

  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }

  #pool(origin: string): Pool {
    let pool = this.#pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, {
        connections: this.#limits.get(origin) ?? this.#connections,
        keepAliveTimeout: 10_000,
        // Deadlines are enforced by the caller's signal; these are only a backstop.
        headersTimeout: 30_000,
        bodyTimeout: 30_000,
      });
      this.#pools.set(origin, pool);
    }
    return pool;
  }

  async #readResponse(request: UpstreamRequest, response: Dispatcher.ResponseData): Promise<UpstreamResponse> {
    const { statusCode } = response;
    if (statusCode < 200 || statusCode >= 300) {
      if (request.acceptStatuses?.includes(statusCode)) {
        await response.body.dump().catch(() => undefined);
        return { status: statusCode, body: null };
      }
      const snippet = await readSnippet(response.body);
      throw statusError(request, statusCode, response.headers['retry-after'], snippet);
    }
    let text: string;
    try {
      text = await readCapped(response.body, this.#maxResponseBytes, request.source);
    } catch (error) {
      throw toUpstreamError(request, error, 'reading the body failed');
    }
    if (text.length >= DEPTH_SCANNED_FROM && nestsDeeperThan(text, MAX_JSON_DEPTH)) {
      throw new UpstreamBadResponseError(request.source, `${request.source} answered ${statusCode} with JSON nested deeper than ${MAX_JSON_DEPTH} levels`, {
        status: statusCode,
        bodySnippet: text.slice(0, SNIPPET_BYTES),
      });
    }
    try {
      return { status: statusCode, body: JSON.parse(text) as unknown };
    } catch {
      throw new UpstreamBadResponseError(request.source, `${request.source} answered ${statusCode} with a body that is not JSON`, {
        status: statusCode,
        bodySnippet: text.slice(0, SNIPPET_BYTES),
      });
    }
  }
}

function statusError(request: UpstreamRequest, status: number, retryAfter: string | string[] | undefined, bodySnippet: string): UpstreamError {
  const message = `${request.source} answered HTTP ${status}`;
  if (status >= 500 || RETRYABLE_STATUS.has(status)) {
    return new UpstreamUnavailableError(request.source, message, { status, retryAfterMs: parseRetryAfter(retryAfter), bodySnippet });
  }
  return new UpstreamRejectedError(request.source, message, { status, bodySnippet });
}

/** An aborted signal's reason wins (it says timeout or cancellation); anything else is a network failure. */
function toUpstreamError(request: UpstreamRequest, error: unknown, what: string): UpstreamError {
  if (request.signal.aborted && request.signal.reason instanceof UpstreamError) return request.signal.reason;
  if (error instanceof UpstreamError) return error;
  const detail = error instanceof Error ? (error as Error & { code?: string }).code ?? error.message : String(error);
  return new UpstreamUnavailableError(request.source, `${request.source}: ${what} (${detail})`, { cause: error });
}

/**
 * The body as text, refused past `maxBytes`. Plain 'data'/'end' listeners: an async iterator over
 * the stream costs about 15 µs more per call (bench/README.md).
 */
function readCapped(body: Dispatcher.ResponseData['body'], maxBytes: number, source: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        body.off('data', onData);
        body.destroy();
        reject(new UpstreamBadResponseError(source, `${source} response body exceeds ${maxBytes} bytes`, { bodySnippet: Buffer.concat(chunks).toString('utf8', 0, SNIPPET_BYTES) }));
        return;
      }
      chunks.push(chunk);
    };
    body.on('data', onData);
    body.on('error', reject);
    body.on('end', () => resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')));
  });
}

/**
 * True when `text`, read as JSON, opens more than `maxDepth` arrays or objects at once. Brackets
 * inside strings do not count: a string is skipped with `indexOf` to its closing quote (one not
 * escaped by an odd run of backslashes), which is also what keeps the scan cheap, since most of a
 * JSON body is strings. Exact for valid JSON; for invalid JSON either answer ends as a bad response.
 */
export function nestsDeeperThan(text: string, maxDepth: number): boolean {
  let depth = 0;
  const length = text.length;
  for (let index = 0; index < length; index++) {
    const char = text.charCodeAt(index);
    if (char === QUOTE) {
      index = closingQuote(text, index);
      if (index === -1) return false;
    } else if (char === OPEN_ARRAY || char === OPEN_OBJECT) {
      if (++depth > maxDepth) return true;
    } else if (char === CLOSE_ARRAY || char === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/** Index of the quote closing the string opened at `open`, or -1 when the string never closes. */
function closingQuote(text: string, open: number): number {
  let quote = text.indexOf('"', open + 1);
  while (quote !== -1) {
    let before = quote - 1;
    while (text.charCodeAt(before) === BACKSLASH) before--;
    if ((quote - 1 - before) % 2 === 0) return quote;
    quote = text.indexOf('"', quote + 1);
  }
  return -1;
}

/** The first bytes of an error answer; the rest is discarded (an error body is not worth a socket's time). */
async function readSnippet(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= SNIPPET_BYTES) break;
    }
  } catch {
    // a broken error body still leaves the status to report
  }
  if (size >= SNIPPET_BYTES) body.destroy();
  return Buffer.concat(chunks).toString('utf8', 0, Math.min(size, SNIPPET_BYTES));
}

function joinPath(basePath: string, path: string): string {
  if (basePath === '/' || basePath === '') return path;
  return basePath.replace(/\/+$/, '') + path;
}
