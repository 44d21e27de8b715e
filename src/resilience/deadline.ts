/** A point in time by which a request must be answered. Monotonic clock, immune to wall-clock jumps. */
export class Deadline {
  readonly expiresAt: number;

  constructor(budgetMs: number, now = performance.now()) {
    this.expiresAt = now + budgetMs;
  }

  /** Milliseconds left, never negative. */
  remainingMs(now = performance.now()): number {
    return Math.max(0, this.expiresAt - now);
  }
}
