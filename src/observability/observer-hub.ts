import type { BreakerState } from '../resilience/breaker.js';
import type { CallOutcome, FailedAttempt, PipelineObserver } from '../resilience/pipeline.js';
import type { UpstreamError } from '../errors.js';
import type { StoreObserver } from '../resilience/shared-stale-store.js';

/**
 * Fans pipeline events out to every observer added (metrics, live stats, failure samples, logs).
 * Pipelines are built with the hub before the observers exist, since some observers need the
 * pipelines themselves (bulkhead gauges).
 */
export class ObserverHub implements Required<PipelineObserver>, Required<StoreObserver> {
  readonly #observers: Array<PipelineObserver & StoreObserver> = [];

  add(observer: PipelineObserver & StoreObserver): void {
    this.#observers.push(observer);
  }

  redisOperation(operation: 'get' | 'set', outcome: 'ok' | 'miss' | 'error' | 'skipped'): void {
    for (const observer of this.#observers) observer.redisOperation?.(operation, outcome);
  }

  callEnded(source: string, outcome: CallOutcome, latencyMs: number): void {
    for (const observer of this.#observers) observer.callEnded?.(source, outcome, latencyMs);
  }

  attemptFailed(source: string, attempt: FailedAttempt): void {
    for (const observer of this.#observers) observer.attemptFailed?.(source, attempt);
  }

  retried(source: string, error: UpstreamError, delayMs: number): void {
    for (const observer of this.#observers) observer.retried?.(source, error, delayMs);
  }

  budgetExhausted(source: string): void {
    for (const observer of this.#observers) observer.budgetExhausted?.(source);
  }

  breakerTransition(source: string, state: BreakerState): void {
    for (const observer of this.#observers) observer.breakerTransition?.(source, state);
  }
}
