import { performance } from 'node:perf_hooks';

/** Event-loop utilisation (0–1) since the previous call: how busy the CPU kept the process. */
export type UtilisationProbe = () => number;

export interface QueueDelaySettings {
  /** A standing queue longer than this (a fraction of the request deadline) means overload. */
  targetMs: number;
  /** How often the rule is evaluated; the minimum is taken over one interval (CoDel's 100 ms). */
  intervalMs: number;
  /** Below this event-loop utilisation the process has CPU to spare: slowness is upstream, not a queue. */
  minUtilisation: number;
}

/** The real probe: `performance.eventLoopUtilization()` over the time since the last call. */
export function eventLoopUtilisationProbe(): UtilisationProbe {
  let last = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const utilisation = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    return utilisation;
  };
}

/**
 * CoDel-like shedding on the time requests spend queued for Ballast's CPU (docs/security.md).
 * Once per interval, the process is overloaded when its event loop was busy (utilisation at least
 * `minUtilisation`) and even the fastest request completed in that interval took longer than
 * `targetMs` — or none completed while requests had been waiting longer than that. The minimum
 * is what makes it a queue signal: one slow request does not count, only a delay every request
 * paid. While overloaded, a request is admitted only if fewer are in flight than the process
 * completed in `targetMs` during the last interval (Little's law), so the ones it takes can finish
 * within the target; the rest are shed at once instead of waiting in the loop past their deadline.
 * Everything is driven by admissions and completions with an injected clock: no timer.
 */
export class QueueDelayLimit {
  #overloaded = false;
  #limit = Number.POSITIVE_INFINITY;
  #intervalStart: number;
  #completed = 0;
  #fastestMs = Number.POSITIVE_INFINITY;
  /** When the process last made progress: a completion, or the start of a busy period. */
  #lastProgress: number;
  #inFlight = 0;
  /** Utilisation of the recent intervals, covering at least the target: a queue kept the loop busy that long. */
  #recent: { ms: number; utilisation: number }[] = [];

  constructor(
    private readonly settings: QueueDelaySettings,
    private readonly now: () => number = () => performance.now(),
    private readonly utilisation: UtilisationProbe = eventLoopUtilisationProbe(),
  ) {
    this.#intervalStart = now();
    this.#lastProgress = this.#intervalStart;
  }

  get overloaded(): boolean {
    return this.#overloaded;
  }

  /** In-flight requests admitted while overloaded; infinite while not. */
  get limit(): number {
    return this.#limit;
  }

  /** True when a new request must be shed, given how many are in flight now. */
  shouldShed(inFlight: number): boolean {
    this.#inFlight = inFlight;
    this.#roll(this.now());
    return this.#overloaded && inFlight >= this.#limit;
  }

  /** A request was admitted; `inFlight` counts it. */
  admitted(inFlight: number): void {
    if (inFlight === 1) this.#lastProgress = this.now();
    this.#inFlight = inFlight;
  }

  /** A request finished after `sojournMs` inside Ballast; `inFlight` no longer counts it. */
  completed(sojournMs: number, inFlight: number): void {
    const now = this.now();
    // The interval that just ended is judged first; this completion belongs to the next one.
    this.#roll(now);
    this.#completed++;
    this.#fastestMs = Math.min(this.#fastestMs, sojournMs);
    this.#lastProgress = now;
    this.#inFlight = inFlight;
  }

  #roll(now: number): void {
    const elapsed = now - this.#intervalStart;
    if (elapsed < this.settings.intervalMs) return;
    const busy = this.#busyOverTarget(elapsed, this.utilisation());
    this.#overloaded = busy && this.#late(now);
    this.#limit = this.#overloaded ? Math.floor((this.#completed * this.settings.targetMs) / elapsed) : Number.POSITIVE_INFINITY;
    this.#intervalStart = now;
    this.#completed = 0;
    this.#fastestMs = Number.POSITIVE_INFINITY;
  }

  /**
   * True when the loop was busy on average over the last `targetMs` (not just this interval): a
   * request that queued for the CPU that long kept it busy all along, while a burst of answers
   * after a slow upstream's wait fills one interval only.
   */
  #busyOverTarget(elapsedMs: number, utilisation: number): boolean {
    this.#recent.push({ ms: elapsedMs, utilisation });
    let spanMs = this.#recent.reduce((sum, interval) => sum + interval.ms, 0);
    while (spanMs - this.#recent[0]!.ms >= this.settings.targetMs) spanMs -= this.#recent.shift()!.ms;
    const busyMs = this.#recent.reduce((sum, interval) => sum + interval.ms * interval.utilisation, 0);
    return busyMs >= spanMs * this.settings.minUtilisation;
  }

  /**
   * The fastest completion of the interval exceeded the target, or nothing completed for longer
   * than it while others waited (one request alone, e.g. the first after a cold start, is no queue).
   */
  #late(now: number): boolean {
    if (this.#completed > 0) return this.#fastestMs > this.settings.targetMs;
    return this.#inFlight > 1 && now - this.#lastProgress > this.settings.targetMs;
  }
}
