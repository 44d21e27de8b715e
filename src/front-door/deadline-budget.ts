import { performance } from 'node:perf_hooks';
import { eventLoopUtilisationProbe } from './queue-delay.js';
import type { UtilisationProbe } from './queue-delay.js';

/** How often the process's capacity is re-measured: long enough to hold a few completions. */
export const BUDGET_WINDOW_MS = 250;
/** Completions a busy window needs before its rate is trusted; with fewer the window grows. */
export const MIN_SAMPLES = 8;
/**
 * The loop must have been saturated this long before the rule sheds or reserves: a real queue keeps
 * it busy throughout, while the burst of answers after a slow upstream's wait fills one window only.
 */
export const SATURATED_SPAN_MS = 1000;

/** When a request's clock starts and how much of its deadline it keeps for the work after its upstream calls. */
export interface RequestClock {
  /** The request's origin on the `performance.now()` clock: before Node read it, by the loop's current lag. */
  startedAt: number;
  /** Milliseconds the requests queued ahead of it currently need: kept out of its upstream waits. */
  reserveMs: number;
}

/**
 * The deadline rule of admission control (docs/security.md). While the event loop is saturated,
 * the requests in flight share one core and leave it at the rate the process completes them, its
 * capacity, measured over busy windows. By Little's law a request admitted behind `n` others then
 * stays about (n + 1) / capacity: it is refused (503) when that, plus the time it already sat
 * unread while the loop lagged, exceeds the target (a fraction of the deadline), so a request is
 * only taken on when it can finish in time. It sheds only once the loop was saturated for a whole
 * second: slow upstreams leave the loop idle (the burst of answers after their wait fills a moment,
 * not a second), so they never make it shed; refusals are not completions, so shedding does not
 * lower the measured capacity.
 * Everything is driven by calls with an injected clock and utilisation probe: no timer.
 */
export class DeadlineBudget {
  /** Completions per ms while saturated; unknown until one busy window was measured. */
  #capacityPerMs: number | undefined;
  #busy = false;
  /** Probe intervals covering the last SATURATED_SPAN_MS: how long, how much of it busy. */
  #recent: { ms: number; busyMs: number }[] = [];
  #windowStart: number;
  #lastProbe: number;
  #busyMs = 0;
  #completed = 0;
  #sojournMs = 0;
  #refused = 0;

  constructor(
    private readonly targetMs: number,
    private readonly minUtilisation: number,
    private readonly now: () => number = () => performance.now(),
    private readonly utilisation: UtilisationProbe = eventLoopUtilisationProbe(),
  ) {
    this.#windowStart = now();
    this.#lastProbe = this.#windowStart;
  }

  /** Completions per second the process managed in its last measured busy window; undefined before one. */
  get capacityPerSecond(): number | undefined {
    this.#roll();
    return this.#capacityPerMs === undefined ? undefined : this.#capacityPerMs * 1000;
  }

  /** True while the loop has been saturated over the last SATURATED_SPAN_MS: only then does the rule act. */
  get saturated(): boolean {
    this.#roll();
    return this.#busy;
  }

  /**
   * What a request admitted behind `inFlight` others keeps of its deadline for waiting on the
   * loop rather than on upstreams: the time those others need while the loop is saturated, none
   * while it has CPU to spare.
   */
  reserveMs(inFlight: number): number {
    const ahead = this.#queuedMs(inFlight);
    return this.#busy && ahead !== undefined ? ahead : 0;
  }

  /** True when a request arriving now, `lagMs` late, behind `inFlight` others could not be done within the target. */
  shouldShed(inFlight: number, lagMs: number): boolean {
    const ahead = this.#queuedMs(inFlight + 1);
    const shed = this.#busy && ahead !== undefined && lagMs + ahead > this.targetMs;
    if (shed) this.#refused++;
    return shed;
  }

  /** An admitted request finished after `sojournMs` inside Ballast (refusals are not completions). */
  completed(sojournMs: number): void {
    this.#completed++;
    this.#sojournMs += sojournMs;
    this.#roll();
  }

  #queuedMs(requests: number): number | undefined {
    this.#roll();
    return this.#capacityPerMs === undefined ? undefined : requests / this.#capacityPerMs;
  }

  #roll(): void {
    const now = this.now();
    if (now - this.#lastProbe < BUDGET_WINDOW_MS) return;
    const probed = { ms: now - this.#lastProbe, busyMs: (now - this.#lastProbe) * this.utilisation() };
    this.#lastProbe = now;
    this.#busyMs += probed.busyMs;
    this.#busy = this.#saturatedOverSpan(probed);
    const elapsed = now - this.#windowStart;
    // The rate of a window with CPU to spare is the offered load, not the capacity: not measured.
    if (this.#busyMs >= elapsed * this.minUtilisation) {
      if (this.#completed < MIN_SAMPLES) return;
      this.#measure(this.#completed / elapsed);
    }
    this.#windowStart = now;
    this.#busyMs = 0;
    this.#completed = 0;
    this.#sojournMs = 0;
    this.#refused = 0;
  }

  /**
   * Smoothed over windows, so one GC pause does not halve the capacity on its own. A window in
   * which the rule refused requests while the admitted ones finished within the target was bounded
   * by the rule, not the CPU: its lower rate is no evidence of a lower capacity (refusals take CPU
   * but are not completions, so taking it as one would shrink the capacity window after window).
   */
  #measure(measured: number): void {
    const boundByRule = this.#refused > 0 && this.#sojournMs / this.#completed <= this.targetMs;
    if (this.#capacityPerMs === undefined) this.#capacityPerMs = measured;
    else if (measured >= this.#capacityPerMs || !boundByRule) this.#capacityPerMs = (this.#capacityPerMs + measured) / 2;
  }

  #saturatedOverSpan(probed: { ms: number; busyMs: number }): boolean {
    this.#recent.push(probed);
    let spanMs = this.#recent.reduce((sum, interval) => sum + interval.ms, 0);
    while (spanMs - this.#recent[0]!.ms >= SATURATED_SPAN_MS) spanMs -= this.#recent.shift()!.ms;
    const busyMs = this.#recent.reduce((sum, interval) => sum + interval.busyMs, 0);
    return spanMs >= SATURATED_SPAN_MS && busyMs >= spanMs * this.minUtilisation;
  }
}
