import CircuitBreaker from 'opossum';
import { CallCancelledError, CircuitOpenError, UpstreamRejectedError } from '../errors.js';
import type { BreakerPolicy } from './policy.js';

/** The breaker's slice of the source policy (src/resilience/policy.ts holds the docs and defaults). */
export type BreakerOptions = Omit<BreakerPolicy, 'enabled'>;

export type BreakerState = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

type Action = () => Promise<unknown>;

/**
 * One opossum breaker per source, created at start-up. Opossum is used for its state machine and
 * rolling counts only: its `timeout` (does not cancel), `capacity` (frees slots on timeout),
 * `fallback` (hides failures from retries) and shared AbortController are all left off; the
 * pipeline around it owns those jobs. 4xx answers and cancelled calls do not count.
 */
export class SourceBreaker {
  readonly #source: string;
  readonly #breaker: CircuitBreaker<[Action], unknown>;

  constructor(source: string, options: BreakerOptions) {
    this.#source = source;
    this.#breaker = new CircuitBreaker<[Action], unknown>((action) => action(), {
      name: source,
      timeout: false,
      errorThresholdPercentage: options.errorThresholdPercentage,
      volumeThreshold: Math.max(1, options.volumeThreshold),
      rollingCountTimeout: options.windowMs,
      rollingCountBuckets: 10,
      resetTimeout: options.resetTimeoutMs,
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
      // 4xx is the caller's fault, and a call cancelled because its request ended for other reasons
      // says nothing about the upstream. Attempt timeouts, and calls abandoned because a field's
      // own timeout fired (AbandonedCallError), do count: the source was too slow for its consumers.
      errorFilter: (error: unknown) => error instanceof UpstreamRejectedError || error instanceof CallCancelledError,
    });
  }

  /** Runs `action` through the breaker; refuses with `CircuitOpenError` while open. */
  async fire<T>(action: () => Promise<T>): Promise<T> {
    // Opossum's own test for failing fast, made before entering it: an open breaker then costs
    // one error per call instead of opossum's events, its error and ours. Refused calls are
    // also left out of the window's `fires`, which only calls that reached the upstream belong in.
    if (this.failsFast) throw new CircuitOpenError(this.#source, `${this.#source} circuit is open`);
    try {
      // The action's own result comes back unchanged; opossum's typing just cannot carry T through.
      return (await this.#breaker.fire(action)) as T;
    } catch (error) {
      if (error instanceof Error && CircuitBreaker.isOurError(error)) {
        throw new CircuitOpenError(this.#source, `${this.#source} circuit is open`, { cause: error });
      }
      throw error;
    }
  }

  /** Open and not letting a probe through: opossum's own test for refusing a call. */
  get failsFast(): boolean {
    return !this.#breaker.closed && !this.#breaker.pendingClose;
  }

  get state(): BreakerState {
    if (this.#breaker.halfOpen) return 'HALF_OPEN';
    return this.#breaker.opened ? 'OPEN' : 'CLOSED';
  }

  /** Called on every state change with the new state. */
  onTransition(listener: (state: BreakerState) => void): void {
    this.#breaker.on('open', () => listener('OPEN'));
    this.#breaker.on('halfOpen', () => listener('HALF_OPEN'));
    this.#breaker.on('close', () => listener('CLOSED'));
  }

  /** Stops opossum's bucket timer and reset timer. */
  shutdown(): void {
    this.#breaker.shutdown();
  }
}
