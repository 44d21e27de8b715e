import type { SourcePolicy } from './policy.js';
import { CallCancelledError, DeadlineExceededError, UpstreamBadResponseError, UpstreamError, UpstreamTimeoutError, UpstreamUnavailableError } from '../errors.js';
import type { UpstreamClient, UpstreamMethod, UpstreamResponse } from '../http/upstream-client.js';
import { SNIPPET_BYTES } from '../http/upstream-client.js';
import { SourceBreaker } from './breaker.js';
import type { BreakerState } from './breaker.js';
import { Bulkhead } from './bulkhead.js';
import type { AttemptSpan, CallSpan, CallTracer } from './call-trace.js';
import type { Deadline } from './deadline.js';
import { retry } from './retry.js';
import { RetryBudget } from './retry-budget.js';
import { CallTimeouts } from './timeout.js';

/** One REST request a source wants made, and how to read its answer. */
export interface CallSpec<T = UpstreamResponse> {
  method: UpstreamMethod;
  /** Path and query, every user-supplied part already encoded. */
  path: string;
  /** JSON body of a write. */
  body?: unknown;
  /** Headers of this call alone (a write's `Idempotency-Key`); they win over the request's. */
  headers?: Record<string, string>;
  /**
   * The route as a template for traces (`url.template`), e.g. `/carts/{userId}`; ids in the path
   * would make every span name unique. @default the path without its query string
   */
  route?: string;
  /** Only idempotent calls are retried. GET is; a write is when it carries an idempotency key. */
  idempotent: boolean;
  /** Non-2xx statuses the source reads itself (404 = empty cart). */
  acceptStatuses?: readonly number[];
  /**
   * Validates and maps the answer inside the attempt, so a wrong shape (UpstreamBadResponseError)
   * counts against the breaker and shows in failure samples like any other upstream failure.
   */
  parse: (response: UpstreamResponse) => T;
}

/** What a call inherits from the GraphQL request that wants it. */
export interface CallScope {
  deadline: Deadline;
  /**
   * Registers a call of `source` in flight; when the request finishes first, `abort` is called
   * with the reason. Returns the unregister function. A set entry per call is cheaper than an
   * AbortSignal listener on Node 20.
   */
  onFinish(source: string, abort: (reason: Error) => void): () => void;
  /** Headers to send to `source` (request id, trace context, the client headers it may see). */
  headers: (source: string) => Record<string, string>;
  /** Set only when tracing is on (docs/operations.md, "Tracing"): spans for the calls and attempts. */
  tracer?: CallTracer | undefined;
  /** Counts a call of `source` against the request's allowance; throws when the request has used it up. */
  admit?: (source: string) => void;
  /**
   * The request's ids, for the warnings a call can cause (breaker opening, retry budget spent):
   * carried explicitly, since a request-wide AsyncLocalStorage costs a promise hook per promise on
   * Node 20 (docs/architecture.md § Hand-written primitives and why).
   */
  ids?: RequestIds | undefined;
}

/** Which request a warning is about. */
export interface RequestIds {
  requestId: string;
  traceId?: string | undefined;
}

/** How a call ended: success, one of the reasons of docs/architecture.md § Contract: degradation, or cancelled because its request ended first. */
export type CallOutcome = 'success' | 'cancelled' | UpstreamError['code'];

/** One failed attempt, as failure samples keep it. */
export interface FailedAttempt {
  method: string;
  path: string;
  error: UpstreamError;
  latencyMs: number;
  /** Set when the exchange succeeded but some items of the batch were bad. */
  partial?: boolean;
}

/** Hooks for metrics and logs; every method optional. */
export interface PipelineObserver {
  callEnded?(source: string, outcome: CallOutcome, latencyMs: number): void;
  attemptFailed?(source: string, attempt: FailedAttempt): void;
  retried?(source: string, error: UpstreamError, delayMs: number): void;
  /** `cause`: the request whose retry found the budget spent. */
  budgetExhausted?(source: string, cause?: RequestIds): void;
  /** `cause`: the request whose call moved the breaker; none when its timer did (OPEN → HALF_OPEN). */
  breakerTransition?(source: string, state: BreakerState, cause?: RequestIds): void;
}

/** What a call holds while it runs, given back when it ends (`#endTotal`). */
interface HeldCall {
  readonly total: CallTimeouts;
  readonly unregister: () => void;
  /** When the total budget runs out, on `performance.now()`'s clock. */
  readonly endsAt: number;
  /** Set when tracing and the bulkhead was full: when the call started waiting for a slot. */
  readonly queuedAt: number | undefined;
  holdsSlot: boolean;
}

/** Header telling the upstream how many milliseconds the caller will still wait. */
export const DEADLINE_HEADER = 'x-ballast-deadline-ms';

/**
 * Every upstream call of one source goes through here, in the order of docs/architecture.md § The route of one request:
 * bulkhead → total timeout (min of source timeout and the request's remaining deadline) →
 * retry with budget → breaker → attempt timeout → undici request.
 */
export class ResiliencePipeline {
  readonly source: string;
  readonly breaker: SourceBreaker | undefined;
  readonly bulkhead: Bulkhead;
  readonly #baseUrl: URL;
  readonly #policy: SourcePolicy;
  readonly #client: UpstreamClient;
  readonly #budget: RetryBudget;
  /** Notified in order; the list may grow after the pipeline is built (metrics join once the pipelines exist). */
  readonly #observers: readonly PipelineObserver[];
  /**
   * The request of the attempt that settled last. Opossum moves its state in the microtasks right
   * after an attempt settles, before any other I/O callback can run, so this is the request whose
   * call opened (or closed) the breaker.
   */
  #lastSettled: RequestIds | undefined;

  constructor(source: string, baseUrl: URL, policy: SourcePolicy, client: UpstreamClient, observers: readonly PipelineObserver[] = []) {
    this.source = source;
    this.#baseUrl = baseUrl;
    this.#policy = policy;
    this.#client = client;
    this.#observers = observers;
    client.limitConnections(baseUrl.origin, policy.connections);
    this.bulkhead = new Bulkhead(source, policy.bulkhead);
    this.#budget = new RetryBudget({ ratio: policy.retry.budgetRatio, minRetriesPerSecond: policy.retry.budgetMinPerSecond });
    if (policy.breaker.enabled) {
      this.breaker = new SourceBreaker(source, policy.breaker);
      this.breaker.onTransition((state) => {
        const cause = state === 'HALF_OPEN' ? undefined : this.#lastSettled;
        for (const observer of observers) observer.breakerTransition?.(source, state, cause);
      });
    }
  }

  async call<T>(spec: CallSpec<T>, scope: CallScope): Promise<T> {
    const started = performance.now();
    const span = scope.tracer?.startCall(this.source, spec.method, spec.route ?? routeOf(spec.path), this.#baseUrl);
    // The total budget, the bulkhead slot and the report of the outcome share this one async
    // function (as layers of their own each cost a promise and a turn); retry, breaker and attempt follow.
    let held: HeldCall | undefined;
    let response: T;
    try {
      held = this.#startTotal(scope, span, started);
      const waiting = this.bulkhead.acquire(held.total.signal);
      if (waiting) await waiting;
      held.holdsSlot = true;
      if (held.queuedAt !== undefined) span?.event('ballast.bulkhead.waited', { 'ballast.wait_ms': round(performance.now() - held.queuedAt) });
      response = await this.#withRetries(spec, scope, held, span);
    } catch (error) {
      // Whatever the inner layers saw, a fired total timeout is the reason the caller gets.
      const fired = held?.total.signal.aborted && held.total.signal.reason instanceof UpstreamError ? held.total.signal.reason : undefined;
      if (held) this.#endTotal(held);
      const upstreamError = this.#asUpstreamError(fired ?? error);
      const outcome = upstreamError instanceof CallCancelledError ? 'cancelled' : upstreamError.code;
      const latencyMs = performance.now() - started;
      for (const observer of this.#observers) observer.callEnded?.(this.source, outcome, latencyMs);
      span?.end(upstreamError);
      throw upstreamError;
    }
    this.#endTotal(held);
    const latencyMs = performance.now() - started;
    for (const observer of this.#observers) observer.callEnded?.(this.source, 'success', latencyMs);
    span?.end();
    return response;
  }

  /** True while the breaker refuses every call: callers may fall back without calling. */
  get failsFast(): boolean {
    return this.breaker?.failsFast ?? false;
  }

  /** Counts a call its caller did not make because `failsFast` said the breaker would refuse it. */
  reportRefused(): void {
    for (const observer of this.#observers) observer.callEnded?.(this.source, 'CIRCUIT_OPEN', 0);
  }

  /** The most a call of this source can take, retries included, before the request deadline cuts in. */
  get timeoutMs(): number {
    return this.#policy.timeoutMs;
  }

  shutdown(): void {
    this.breaker?.shutdown();
  }

  /**
   * The call's total budget: the source timeout or what is left of the request deadline, whichever
   * is shorter, on one timer with the attempts'; the request's end aborts it. Throws
   * DEADLINE_EXCEEDED when no time is left. `now`: when the call started.
   */
  #startTotal(scope: CallScope, span: CallSpan | undefined, now: number): HeldCall {
    const remaining = scope.deadline.remainingMs(now);
    if (remaining <= 0) throw new DeadlineExceededError(this.source, `request deadline passed before ${this.source} was called`);
    const limitedByDeadline = remaining < this.#policy.timeoutMs;
    const budgetMs = Math.min(remaining, this.#policy.timeoutMs);
    // One timer for the total budget and each attempt's: set for the first attempt's end, the usual one.
    const total = new CallTimeouts(
      budgetMs,
      () =>
        limitedByDeadline
          ? new DeadlineExceededError(this.source, `request deadline ran out waiting for ${this.source}`)
          : new UpstreamTimeoutError(this.source, `${this.source} did not answer within ${budgetMs} ms`),
      this.#policy.attemptTimeoutMs,
      now,
    );
    span?.set({ 'ballast.call.budget_ms': budgetMs, 'ballast.call.limited_by_deadline': limitedByDeadline });
    const unregister = scope.onFinish(this.source, total.abort);
    const queuedAt = span && this.bulkhead.inUse >= this.#policy.bulkhead.maxConcurrent ? performance.now() : undefined;
    return { total, unregister, endsAt: now + budgetMs, queuedAt, holdsSlot: false };
  }

  /** Gives back what the call held, before its outcome is reported: the slot, the request's hook, the timer. */
  #endTotal(held: HeldCall): void {
    if (held.holdsSlot) this.bulkhead.release();
    held.unregister();
    held.total.dispose();
  }

  #withRetries<T>(spec: CallSpec<T>, scope: CallScope, held: HeldCall, span: CallSpan | undefined): Promise<T> {
    const { total, endsAt } = held;
    return retry((n) => this.#attemptThroughBreaker(spec, scope, total, endsAt, span, n), this.#policy.retry, {
      signal: total.signal,
      remainingMs: () => endsAt - performance.now(),
      idempotent: spec.idempotent,
      budget: this.#budget,
      onRetry: (error, _attempt, delayMs) => {
        for (const observer of this.#observers) observer.retried?.(this.source, error, delayMs);
        span?.event('ballast.retry', { 'error.type': error.code, 'ballast.delay_ms': delayMs });
      },
      onBudgetExhausted: () => {
        for (const observer of this.#observers) observer.budgetExhausted?.(this.source, scope.ids);
        span?.event('ballast.retry_budget.exhausted');
      },
    });
  }

  #attemptThroughBreaker<T>(spec: CallSpec<T>, scope: CallScope, total: CallTimeouts, endsAt: number, span: CallSpan | undefined, n: number): Promise<T> {
    const attempt = (): Promise<T> => this.#attempt(spec, scope, total, endsAt, span?.startAttempt(n - 1, this.#policy.attemptTimeoutMs));
    return this.breaker ? this.breaker.fire(attempt) : attempt();
  }

  async #attempt<T>(spec: CallSpec<T>, scope: CallScope, total: CallTimeouts, endsAt: number, span: AttemptSpan | undefined): Promise<T> {
    const timeoutMs = this.#policy.attemptTimeoutMs;
    const started = performance.now();
    const attempt = total.startAttempt(timeoutMs, () => new UpstreamTimeoutError(this.source, `${this.source} attempt timed out after ${timeoutMs} ms`), started);
    let status: number | undefined;
    try {
      const headers = attemptHeaders(scope.headers(this.source), spec.headers, String(Math.max(0, Math.floor(endsAt - performance.now()))));
      // The upstream's parent is this attempt, not the client's span (that one is the request's parent).
      span?.inject(headers);
      const response = await this.#client.request({
        source: this.source,
        baseUrl: this.#baseUrl,
        method: spec.method,
        path: spec.path,
        headers,
        ...(spec.body !== undefined ? { body: spec.body } : {}),
        signal: attempt.signal,
        ...(spec.acceptStatuses ? { acceptStatuses: spec.acceptStatuses } : {}),
      });
      status = response.status;
      this.#lastSettled = scope.ids;
      const parsed = spec.parse(response);
      this.#reportBadItems(spec, parsed, response, started);
      span?.end(status);
      return parsed;
    } catch (error) {
      // After an answer arrived, anything but an UpstreamError came from reading it (a check that
      // overflowed the stack on a deep body): the same body would fail the same way, so it is a bad
      // answer, never a retryable UPSTREAM_UNAVAILABLE (docs/degradation.md, "Wrong answers").
      const failure = status === undefined ? this.#asUpstreamError(error) : this.#asBadResponse(error, status);
      this.#lastSettled = scope.ids;
      const failed: FailedAttempt = { method: spec.method, path: spec.path, error: failure, latencyMs: performance.now() - started };
      for (const observer of this.#observers) observer.attemptFailed?.(this.source, failed);
      span?.end(status ?? failure.status, failure);
      throw failure;
    } finally {
      attempt.dispose();
    }
  }

  /**
   * A batch answer with bad items is a success for the breaker, but still worth a failure sample.
   * Recording it never fails the call: the snippet serialises only what it keeps (`jsonSnippet`),
   * and an observer that throws is not the upstream's failure.
   */
  #reportBadItems(spec: CallSpec<unknown>, parsed: unknown, response: UpstreamResponse, started: number): void {
    if (!Array.isArray(parsed)) return;
    const bad = parsed.find((item): item is UpstreamError => item instanceof UpstreamError);
    if (!bad) return;
    try {
      const latencyMs = performance.now() - started;
      const error = new UpstreamBadResponseError(this.source, bad.message, { status: response.status, bodySnippet: jsonSnippet(response.body, SNIPPET_BYTES) });
      const failed: FailedAttempt = { method: spec.method, path: spec.path, error, latencyMs, partial: true };
      for (const observer of this.#observers) observer.attemptFailed?.(this.source, failed);
    } catch {
      // a sample lost is better than a good answer turned into a failure
    }
  }

  #asUpstreamError(error: unknown): UpstreamError {
    if (error instanceof UpstreamError) return error;
    return new UpstreamUnavailableError(this.source, `${this.source} call failed`, { cause: error });
  }

  /** What reading an answer threw, as the bad answer it is. */
  #asBadResponse(error: unknown, status: number): UpstreamError {
    if (error instanceof UpstreamError) return error;
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return new UpstreamBadResponseError(this.source, `${this.source} answered ${status} with a body that could not be read (${detail})`, { status, cause: error });
  }
}

/**
 * The request's headers for the source, the call's own over them, and the deadline header last
 * (it wins). Copied key by key into a fresh object: on Node 20 the copy an object spread makes
 * gets a hidden class of its own, and adding the deadline header to it built a new one on every
 * attempt: about 4 µs a call, half the pipeline's own cost (bench/README.md § "Seventh session:
 * per-call CPU").
 */
function attemptHeaders(request: Record<string, string>, call: Record<string, string> | undefined, deadlineMs: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of Object.keys(request)) headers[name] = request[name]!;
  if (call) for (const name of Object.keys(call)) headers[name] = call[name]!;
  headers[DEADLINE_HEADER] = deadlineMs;
  return headers;
}

/**
 * `JSON.stringify(value).slice(0, maxChars)` without serialising more than that: a body of
 * millions of items costs no more than its first `maxChars`, and one nested past the stack's
 * depth (which JSON.stringify throws RangeError on, docs/degradation.md "Wrong answers") cannot
 * throw, since every level writes a character and the walk stops at `maxChars`. Values are
 * JSON.parse output: plain arrays, objects, strings, finite numbers, booleans and null.
 */
export function jsonSnippet(value: unknown, maxChars: number): string {
  const parts: string[] = [];
  let length = 0;
  const write = (text: string): boolean => {
    parts.push(text);
    length += text.length;
    return length < maxChars;
  };
  const walk = (item: unknown): boolean => {
    if (Array.isArray(item)) {
      if (!write('[')) return false;
      for (let index = 0; index < item.length; index++) {
        if (index > 0 && !write(',')) return false;
        if (!walk(item[index])) return false;
      }
      return write(']');
    }
    if (typeof item === 'object' && item !== null) {
      if (!write('{')) return false;
      let first = true;
      for (const key of Object.keys(item)) {
        if (!write(`${first ? '' : ','}${JSON.stringify(key.slice(0, maxChars))}:`)) return false;
        first = false;
        if (!walk((item as Record<string, unknown>)[key])) return false;
      }
      return write('}');
    }
    return write(typeof item === 'string' ? JSON.stringify(item.slice(0, maxChars)) : String(JSON.stringify(item)));
  };
  walk(value);
  return parts.join('').slice(0, maxChars);
}


/** The path without its query string: `/prices?ids=1,2` → `/prices`. */
function routeOf(path: string): string {
  const query = path.indexOf('?');
  return query === -1 ? path : path.slice(0, query);
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
