import type { SourcePolicy } from '../config-schema.js';
import { DeadlineExceededError, UpstreamError, UpstreamTimeoutError, UpstreamUnavailableError } from '../errors.js';
import type { UpstreamClient, UpstreamResponse } from '../http/upstream-client.js';
import { SourceBreaker } from './breaker.js';
import type { BreakerState } from './breaker.js';
import { Bulkhead } from './bulkhead.js';
import type { Deadline } from './deadline.js';
import { retry } from './retry.js';
import { RetryBudget } from './retry-budget.js';
import { linkedTimeout } from './timeout.js';

/** One REST request a source wants made. */
export interface CallSpec {
  method: 'GET' | 'POST';
  /** Path and query, every user-supplied part already encoded. */
  path: string;
  /** Only idempotent calls are retried. GET is. */
  idempotent: boolean;
  /** Non-2xx statuses the source reads itself (404 = empty cart). */
  acceptStatuses?: readonly number[];
}

/** What a call inherits from the GraphQL request that wants it. */
export interface CallScope {
  deadline: Deadline;
  /** Aborts when the request is finished: whatever is still in flight is abandoned. */
  signal: AbortSignal;
  /** Headers to send upstream (request id, forwarded client headers). */
  headers: Record<string, string>;
}

export type CallOutcome = 'success' | UpstreamError['code'];

/** Hooks for metrics and logs; every method optional. */
export interface PipelineObserver {
  callEnded?(source: string, outcome: CallOutcome, latencyMs: number): void;
  retried?(source: string, error: UpstreamError, delayMs: number): void;
  budgetExhausted?(source: string): void;
  breakerTransition?(source: string, state: BreakerState): void;
}

/** Header telling the upstream how many milliseconds the caller will still wait. */
export const DEADLINE_HEADER = 'x-ballast-deadline-ms';

/**
 * Every upstream call of one source goes through here, in DESIGN.md's order:
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
  readonly #observer: PipelineObserver;

  constructor(source: string, baseUrl: URL, policy: SourcePolicy, client: UpstreamClient, observer: PipelineObserver = {}) {
    this.source = source;
    this.#baseUrl = baseUrl;
    this.#policy = policy;
    this.#client = client;
    this.#observer = observer;
    this.bulkhead = new Bulkhead(source, policy.bulkhead);
    this.#budget = new RetryBudget({ ratio: policy.retry.budgetRatio, minRetriesPerSecond: policy.retry.budgetMinPerSecond });
    if (policy.breaker.enabled) {
      this.breaker = new SourceBreaker(source, policy.breaker);
      this.breaker.onTransition((state) => observer.breakerTransition?.(source, state));
    }
  }

  async call(spec: CallSpec, scope: CallScope): Promise<UpstreamResponse> {
    const started = performance.now();
    try {
      const response = await this.#withinTotalTimeout(spec, scope);
      this.#observer.callEnded?.(this.source, 'success', performance.now() - started);
      return response;
    } catch (error) {
      const upstreamError = this.#asUpstreamError(error);
      this.#observer.callEnded?.(this.source, upstreamError.code, performance.now() - started);
      throw upstreamError;
    }
  }

  shutdown(): void {
    this.breaker?.shutdown();
  }

  async #withinTotalTimeout(spec: CallSpec, scope: CallScope): Promise<UpstreamResponse> {
    const remaining = scope.deadline.remainingMs();
    if (remaining <= 0) throw new DeadlineExceededError(this.source, `request deadline passed before ${this.source} was called`);
    const limitedByDeadline = remaining < this.#policy.timeoutMs;
    const budgetMs = Math.min(remaining, this.#policy.timeoutMs);
    const total = linkedTimeout(scope.signal, budgetMs, () =>
      limitedByDeadline
        ? new DeadlineExceededError(this.source, `request deadline ran out waiting for ${this.source}`)
        : new UpstreamTimeoutError(this.source, `${this.source} did not answer within ${budgetMs} ms`),
    );
    const endsAt = performance.now() + budgetMs;
    try {
      return await this.bulkhead.run(
        () =>
          retry(() => this.#attemptThroughBreaker(spec, scope, total.signal, endsAt), this.#policy.retry, {
            signal: total.signal,
            remainingMs: () => endsAt - performance.now(),
            idempotent: spec.idempotent,
            budget: this.#budget,
            onRetry: (error, _attempt, delayMs) => this.#observer.retried?.(this.source, error, delayMs),
            onBudgetExhausted: () => this.#observer.budgetExhausted?.(this.source),
          }),
        total.signal,
      );
    } catch (error) {
      // Whatever the inner layers saw, a fired total timeout is the reason the caller gets.
      if (total.signal.aborted && total.signal.reason instanceof UpstreamError) throw total.signal.reason;
      throw error;
    } finally {
      total.dispose();
    }
  }

  #attemptThroughBreaker(spec: CallSpec, scope: CallScope, signal: AbortSignal, endsAt: number): Promise<UpstreamResponse> {
    const attempt = (): Promise<UpstreamResponse> => this.#attempt(spec, scope, signal, endsAt);
    return this.breaker ? this.breaker.fire(attempt) : attempt();
  }

  async #attempt(spec: CallSpec, scope: CallScope, parent: AbortSignal, endsAt: number): Promise<UpstreamResponse> {
    const timeoutMs = this.#policy.attemptTimeoutMs;
    const attempt = linkedTimeout(parent, timeoutMs, () => new UpstreamTimeoutError(this.source, `${this.source} attempt timed out after ${timeoutMs} ms`));
    try {
      return await this.#client.request({
        source: this.source,
        baseUrl: this.#baseUrl,
        method: spec.method,
        path: spec.path,
        headers: { ...scope.headers, [DEADLINE_HEADER]: String(Math.max(0, Math.floor(endsAt - performance.now()))) },
        signal: attempt.signal,
        ...(spec.acceptStatuses ? { acceptStatuses: spec.acceptStatuses } : {}),
      });
    } finally {
      attempt.dispose();
    }
  }

  #asUpstreamError(error: unknown): UpstreamError {
    if (error instanceof UpstreamError) return error;
    return new UpstreamUnavailableError(this.source, `${this.source} call failed`, { cause: error });
  }
}
