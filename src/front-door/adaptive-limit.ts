/** Never fewer slots than this: a few slow requests (a slow upstream, an idle CPU) must not close the door. */
export const MIN_ADAPTIVE_LIMIT = 32;
const WINDOW_MS = 250;

/**
 * The in-flight limit that keeps time-in-handler under `targetMs` (half the request deadline).
 * By Little's law a process completing R requests/s holds R × target requests for at most
 * `target` each; so whenever the requests completed in the last window (at least 250 ms, rolled
 * by the first completion after it) took longer than the target on average, the limit drops to
 * R × target (never below MIN_ADAPTIVE_LIMIT), and while they are fast it grows back by half
 * per window up to `maxInFlight`. No timer: without completions nothing changes.
 */
export class AdaptiveLimit {
  #limit: number;
  #completed = 0;
  #totalMs = 0;
  #windowStart = performance.now();

  constructor(
    private readonly maxInFlight: number,
    private readonly targetMs: number,
  ) {
    this.#limit = maxInFlight;
  }

  get limit(): number {
    return Math.floor(this.#limit);
  }

  completed(durationMs: number): void {
    this.#completed++;
    this.#totalMs += durationMs;
    const now = performance.now();
    if (now - this.#windowStart >= WINDOW_MS) this.#adjust(now);
  }

  #adjust(now: number): void {
    const averageMs = this.#totalMs / this.#completed;
    const perSecond = (this.#completed * 1000) / (now - this.#windowStart);
    if (averageMs > this.targetMs) {
      this.#limit = Math.min(this.#limit, Math.max(MIN_ADAPTIVE_LIMIT, (perSecond * this.targetMs) / 1000));
    } else {
      this.#limit = Math.min(this.maxInFlight, this.#limit * 1.5);
    }
    this.#completed = 0;
    this.#totalMs = 0;
    this.#windowStart = now;
  }
}
