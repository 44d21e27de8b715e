/** Ticks `worstRecentMs` looks back over: about a second at the default interval. */
const WORST_OF_TICKS = 20;

/**
 * How late the event loop runs, measured the cheap way: a timer that should fire every
 * `intervalMs` and the drift when it does, smoothed so one slow tick (a GC pause) does not shed
 * on its own. When the loop lags, every request already queued behind it waits that long before
 * Ballast even looks at it, so its deadline is being spent before its clock starts.
 */
export class EventLoopLag {
  #lagMs = 0;
  /** The raw drifts of the last WORST_OF_TICKS ticks, newest last. */
  readonly #drifts: number[] = [];
  #last = performance.now();
  readonly #timer: NodeJS.Timeout;

  constructor(readonly intervalMs = 50) {
    this.#timer = setInterval(() => this.#tick(), intervalMs);
    this.#timer.unref();
  }

  /** Smoothed lag in ms. */
  get lagMs(): number {
    return this.#lagMs;
  }

  /**
   * The longest drift of the last WORST_OF_TICKS ticks (about a second): how late a timer set now
   * may fire, since the loop runs every socket that was ready before it looks at timers again.
   */
  get worstRecentMs(): number {
    return Math.max(0, ...this.#drifts);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #tick(): void {
    const now = performance.now();
    const drift = Math.max(0, now - this.#last - this.intervalMs);
    this.#last = now;
    this.#drifts.push(drift);
    if (this.#drifts.length > WORST_OF_TICKS) this.#drifts.shift();
    // A moving average: a lag held for a few ticks sheds, a single pause (GC, a descheduled
    // process on a busy host) does not.
    this.#lagMs = this.#lagMs * 0.7 + drift * 0.3;
  }
}
