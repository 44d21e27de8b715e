import type { UpstreamError} from '../errors.js';
import { UpstreamTimeoutError, UpstreamUnavailableError } from '../errors.js';
import type { RetryPolicy } from './policy.js';
import type { RetryBudget } from './retry-budget.js';
import { sleep } from './timeout.js';
import type { CallSignal } from './timeout.js';

/** Retry's slice of the source policy (src/resilience/policy.ts holds the docs and defaults). */
export type RetryOptions = Pick<RetryPolicy, 'maxAttempts' | 'baseDelayMs' | 'maxDelayMs'>;

export interface RetryContext {
  /** Aborts waiting between attempts (the call's total timeout). */
  signal: CallSignal;
  /** Time left for the whole call; a retry that could not start before it runs out is not made. */
  remainingMs: () => number;
  /** Only idempotent calls are retried. */
  idempotent: boolean;
  budget?: RetryBudget;
  /** Uniform in [0, 1); injectable so tests can pin the jitter. */
  random?: () => number;
  onRetry?: (error: UpstreamError, attempt: number, delayMs: number) => void;
  onBudgetExhausted?: () => void;
}

/** Network errors, attempt timeouts, 5xx, 408 and 429 may succeed on another try; nothing else will. */
export function isRetryable(error: unknown): error is UpstreamError {
  return error instanceof UpstreamUnavailableError || error instanceof UpstreamTimeoutError;
}

/** Exponential backoff with full jitter, unless the upstream said when to come back. */
export function retryDelayMs(error: UpstreamError, attempt: number, options: RetryOptions, random: () => number): number {
  if (error.retryAfterMs !== undefined) return error.retryAfterMs;
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

/** Runs `attempt(n)` until it succeeds, fails for good, or may not be retried any more. */
export async function retry<T>(attempt: (n: number) => Promise<T>, options: RetryOptions, context: RetryContext): Promise<T> {
  const random = context.random ?? Math.random;
  context.budget?.recordCall();
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n >= options.maxAttempts || !context.idempotent || context.signal.aborted || !isRetryable(error)) throw error;
      const delay = retryDelayMs(error, n, options, random);
      if (delay >= context.remainingMs()) throw error;
      if (context.budget && !context.budget.tryAcquireRetry()) {
        context.onBudgetExhausted?.();
        throw error;
      }
      context.onRetry?.(error, n, delay);
      await sleep(delay, context.signal);
    }
  }
}
