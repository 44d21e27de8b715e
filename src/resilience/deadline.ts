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

/**
 * The budget a request runs on: a client may shorten, never lengthen, the configured one with
 * `x-ballast-deadline-ms` (docs/security.md). `undefined` when the header is not a positive whole
 * number of milliseconds: the request is refused with 400 (src/context.ts), and the late-response
 * count judges it against the configured budget (src/front-door/late-responses.ts).
 */
export function clientBudgetMs(configured: number, header: string | null | undefined): number | undefined {
  if (header === null || header === undefined) return configured;
  if (!/^\d+$/.test(header.trim())) return undefined;
  const value = Number(header);
  return value > 0 ? Math.min(configured, value) : undefined;
}
