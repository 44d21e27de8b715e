import { BulkheadFullError } from '../errors.js';
import type { BulkheadPolicy } from './policy.js';
import type { CallSignal } from './timeout.js';

/** The bulkhead's slice of the source policy (src/resilience/policy.ts holds the docs and defaults). */
export type BulkheadOptions = BulkheadPolicy;

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Limits concurrent calls to one source so a slow source cannot take every socket and every
 * pending promise of the process. A refusal is `BULKHEAD_FULL`, raised before the breaker, so it
 * never counts as a failure of the source.
 */
export class Bulkhead {
  readonly #source: string;
  readonly #options: BulkheadOptions;
  readonly #queue: Waiter[] = [];
  #inUse = 0;

  constructor(source: string, options: BulkheadOptions) {
    this.#source = source;
    this.#options = options;
  }

  get inUse(): number {
    return this.#inUse;
  }

  get queued(): number {
    return this.#queue.length;
  }

  /**
   * Takes a slot: at once (nothing returned) when one is free, else a promise that resolves when a
   * slot is handed over, or rejects with the signal's reason; throws BULKHEAD_FULL when the queue is
   * full. Whoever got the slot must `release()` it. Two calls rather than one async `run(fn)`: a call
   * with a free slot does not go through one more async function (bench/README.md § "Eighth session: per-call CPU").
   */
  acquire(signal: CallSignal): Promise<void> | void {
    if (this.#inUse < this.#options.maxConcurrent) {
      this.#inUse += 1;
      return;
    }
    if (this.#queue.length >= this.#options.maxQueue) {
      throw new BulkheadFullError(this.#source, `${this.#source} has ${this.#inUse} calls in flight and ${this.#queue.length} waiting`);
    }
    return this.#wait(signal);
  }

  #wait(signal: CallSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.#queue.indexOf(waiter);
        if (index >= 0) this.#queue.splice(index, 1);
        reject(signal.reason);
      };
      const waiter: Waiter = {
        resolve: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        reject,
      };
      this.#queue.push(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Gives a slot back: straight to the next waiter, so a waiter cannot be overtaken by a newcomer. */
  release(): void {
    const next = this.#queue.shift();
    if (next) next.resolve();
    else this.#inUse -= 1;
  }
}
