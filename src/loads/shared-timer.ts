import { LateTimer } from '../resilience/late-timer.js';

/**
 * One timer shared by every field of the same coordinate in a request (the 20 `Product.price`
 * fields of a page start in the same tick): a single setTimeout instead of one per field. When it
 * fires, every field still waiting rejects with `reason()`; `dispose()` leaves nothing behind.
 */
export class SharedTimer {
  /**
   * Rejecters of every raced field. Settled ones stay until the timer fires or is disposed
   * (rejecting a settled promise does nothing): cheaper than removing each, and bounded by the
   * request's fields.
   */
  #waiters: Array<(error: Error) => void> = [];
  readonly #timer = new LateTimer(() => this.#fire());
  readonly #reason: () => Error;
  readonly #onFire: (() => void) | undefined;
  #fired = false;

  constructor(ms: number, reason: () => Error, onFire?: () => void) {
    this.#reason = reason;
    this.#onFire = onFire;
    // After the next poll phase: a value that arrived during a long turn of Ballast's own is read first.
    this.#timer.start(ms);
  }

  /** `promise`, or the timer's reason if it fires first. */
  race<T>(promise: Promise<T>): Promise<T> {
    if (this.#fired) {
      // The field gives up at once, but `promise` may still fail later: nobody is left to hear it.
      promise.then(undefined, ignore);
      return Promise.reject(this.#reason());
    }
    return new Promise<T>((resolve, reject) => {
      this.#waiters.push(reject);
      promise.then(resolve, reject);
    });
  }

  dispose(): void {
    this.#timer.clear();
    this.#waiters = [];
  }

  #fire(): void {
    this.#fired = true;
    this.#onFire?.();
    // One reason for all: every waiting field gave up for the same cause at the same moment.
    const reason = this.#reason();
    for (const reject of this.#waiters) reject(reason);
    this.#waiters = [];
  }
}

function ignore(): void {}
