export interface RetryBudgetOptions {
  /** Retries allowed as a fraction of calls over the window; a source's comes from its `retry.budgetRatio`. */
  ratio?: number;
  /** Retries always allowed per second, so a quiet source can still retry; a source's comes from `retry.budgetMinPerSecond`. */
  minRetriesPerSecond?: number;
  /** Length of the sliding window, in milliseconds. @default 10_000 */
  windowMs?: number;
}

const BUCKETS = 10;

/**
 * Caps retries at `ratio` of calls (plus a small floor) over a sliding window, so a dead source
 * sees at most (1 + ratio) times the traffic instead of `maxAttempts` times. Buckets rotate on
 * use, so the budget runs no timer.
 */
export class RetryBudget {
  readonly #ratio: number;
  readonly #floor: number;
  readonly #bucketMs: number;
  readonly #calls = new Array<number>(BUCKETS).fill(0);
  readonly #retries = new Array<number>(BUCKETS).fill(0);
  #bucketStart = 0;
  #current = 0;

  constructor({ ratio = 0.2, minRetriesPerSecond = 1, windowMs = 10_000 }: RetryBudgetOptions = {}) {
    this.#ratio = ratio;
    this.#floor = (minRetriesPerSecond * windowMs) / 1000;
    this.#bucketMs = windowMs / BUCKETS;
  }

  /** Counts one call (first attempt). */
  recordCall(now = Date.now()): void {
    this.#rotate(now);
    this.#calls[this.#current]! += 1;
  }

  /** Takes one retry from the budget; false when the budget is spent. */
  tryAcquireRetry(now = Date.now()): boolean {
    this.#rotate(now);
    const calls = sum(this.#calls);
    const retries = sum(this.#retries);
    if (retries + 1 > this.#floor + this.#ratio * calls) return false;
    this.#retries[this.#current]! += 1;
    return true;
  }

  #rotate(now: number): void {
    if (this.#bucketStart === 0) this.#bucketStart = now;
    let elapsed = now - this.#bucketStart;
    if (elapsed < this.#bucketMs) return;
    const steps = Math.min(BUCKETS, Math.floor(elapsed / this.#bucketMs));
    for (let i = 0; i < steps; i++) {
      this.#current = (this.#current + 1) % BUCKETS;
      this.#calls[this.#current] = 0;
      this.#retries[this.#current] = 0;
    }
    elapsed -= Math.floor(elapsed / this.#bucketMs) * this.#bucketMs;
    this.#bucketStart = now - elapsed;
  }
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}
