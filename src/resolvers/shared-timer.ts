/**
 * One timer shared by every field of the same coordinate in a request (the 20 `Product.price`
 * fields of a page start in the same tick): a single setTimeout instead of one per field. When it
 * fires, every field still waiting rejects with `reason()`; `dispose()` leaves nothing behind.
 */
export class SharedTimer {
  readonly #waiters = new Set<(error: Error) => void>();
  readonly #timer: NodeJS.Timeout;
  readonly #reason: () => Error;
  readonly #onFire: (() => void) | undefined;
  #fired = false;

  constructor(ms: number, reason: () => Error, onFire?: () => void) {
    this.#reason = reason;
    this.#onFire = onFire;
    this.#timer = setTimeout(() => this.#fire(), ms);
  }

  /** `promise`, or the timer's reason if it fires first. */
  race<T>(promise: Promise<T>): Promise<T> {
    if (this.#fired) return Promise.reject(this.#reason());
    return new Promise<T>((resolve, reject) => {
      this.#waiters.add(reject);
      promise.then(
        (value) => {
          this.#waiters.delete(reject);
          resolve(value);
        },
        (error: unknown) => {
          this.#waiters.delete(reject);
          reject(error);
        },
      );
    });
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#waiters.clear();
  }

  #fire(): void {
    this.#fired = true;
    this.#onFire?.();
    for (const reject of this.#waiters) reject(this.#reason());
    this.#waiters.clear();
  }
}
