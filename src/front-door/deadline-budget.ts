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
/** How often the loop's utilisation is probed: finer than a window, so a step from idle is seen within a few probes. */
export const PROBE_MS = 50;
/**
 * A cold step (an idle process hit by many requests at once) is acted on after the loop was
 * saturated this long, instead of SATURATED_SPAN_MS, when the work queued ahead is far beyond the
 * target (STEP_FACTOR times it): by the time a whole second had passed, that whole first wave
 * would have been admitted and could only be cut at its deadline.
 */
export const STEP_SPAN_MS = 100;
export const STEP_FACTOR = 2;

/** The process's CPU time so far in ms (user + system): time it ran, not time it waited for a core. */
export type CpuTimeProbe = () => number;

export function processCpuTimeMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

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
 * only taken on when it can finish in time. It sheds once the loop was saturated for a whole
 * second: slow upstreams leave the loop idle (the burst of answers after their wait fills a moment,
 * not a second), so they never make it shed; refusals are not completions, so shedding does not
 * lower the measured capacity. A cold step is acted on sooner (STEP_SPAN_MS), with the capacity
 * the CPU time per request allows before any saturated window was measured.
 * Everything is driven by calls with an injected clock, utilisation and CPU-time probe: no timer.
 */
export class DeadlineBudget {
  /** Completions per ms while saturated; unknown until one busy window was measured. */
  #capacityPerMs: number | undefined;
  #busy = false;
  /** Completions per ms from the CPU time each took, measured in any window with completions: known before saturation. */
  #capacityFromCostPerMs: number | undefined;
  /** CPU time and completions of the windows with completions since the cost was last measured. */
  #costCpuMs = 0;
  #costCompleted = 0;
  /** Saturated over the last STEP_SPAN_MS. */
  #stepSaturated = false;
  /** A cold step was seen (STEP_SPAN_MS saturated, the queue ahead far beyond the target); held while the loop stays saturated. */
  #stepping = false;
  /** Probe intervals covering the last SATURATED_SPAN_MS: how long, how much of it busy. */
  #recent: { ms: number; busyMs: number }[] = [];
  #windowStart: number;
  #lastProbe: number;
  #busyMs = 0;
  #cpuAtWindowStart: number;
  #completed = 0;
  #sojournMs = 0;
  #refused = 0;

  /**
   * Takes over what `previous` measured of this process: its capacity while saturated and its CPU
   * time per request. A reload (src/reload.ts) builds a new gateway in a process that is already
   * warm; without this the new rule would assume `coldCostMs` again, as for a fresh process.
   */
  adoptMeasurements(previous: DeadlineBudget): void {
    this.#capacityPerMs ??= previous.#capacityPerMs;
    this.#capacityFromCostPerMs ??= previous.#capacityFromCostPerMs;
  }

  constructor(
    private readonly targetMs: number,
    private readonly minUtilisation: number,
    private readonly now: () => number = () => performance.now(),
    private readonly utilisation: UtilisationProbe = eventLoopUtilisationProbe(),
    private readonly cpuTimeMs: CpuTimeProbe = processCpuTimeMs,
    /**
     * The CPU time per request assumed before the process measured its own (MIN_SAMPLES completions):
     * without it a fresh process knows no capacity and admits a cold step whole. 0: none assumed.
     */
    private readonly coldCostMs = 0,
  ) {
    this.#cpuAtWindowStart = cpuTimeMs();
    this.#windowStart = now();
    this.#lastProbe = this.#windowStart;
  }

  /**
   * Completions per second the process managed in its last measured busy window; before one, the
   * rate its measured CPU time per request allows; before either, the rate the assumed cold cost
   * allows (undefined without one).
   */
  get capacityPerSecond(): number | undefined {
    const capacityPerMs = this.#capacity();
    return capacityPerMs === undefined ? undefined : capacityPerMs * 1000;
  }

  /**
   * True while the loop has been saturated over the last SATURATED_SPAN_MS, or since a cold step
   * was seen and for as long as it stays saturated: only then does the rule act.
   */
  get saturated(): boolean {
    this.#roll();
    return this.#acting;
  }

  get #acting(): boolean {
    return this.#busy || this.#stepping;
  }

  /**
   * What a request admitted behind `inFlight` others keeps of its deadline for waiting on the
   * loop rather than on upstreams: the time those others need while the loop is saturated, none
   * while it has CPU to spare.
   */
  reserveMs(inFlight: number): number {
    const ahead = this.#queuedMs(inFlight);
    return this.#acting && ahead !== undefined ? ahead : 0;
  }

  /** True when a request arriving now, `lagMs` late, behind `inFlight` others could not be done within the target. */
  shouldShed(inFlight: number, lagMs: number): boolean {
    const ahead = this.#queuedMs(inFlight + 1);
    if (ahead === undefined) return false;
    // A burst of answers after a slow upstream's wait saturates the loop for a moment too, but with
    // a queue near the target: only one far beyond it is taken for a step before a whole span passed.
    if (!this.#acting) this.#stepping = this.#stepSaturated && lagMs + ahead > STEP_FACTOR * this.targetMs;
    const shed = this.#acting && lagMs + ahead > this.targetMs;
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
    const capacityPerMs = this.#capacity();
    return capacityPerMs === undefined ? undefined : requests / capacityPerMs;
  }

  /**
   * The rate measured while saturated; before one, the rate the CPU time per request allows; before
   * that was measured (a fresh process), the rate the assumed cold cost allows.
   */
  #capacity(): number | undefined {
    this.#roll();
    return this.#capacityPerMs ?? this.#capacityFromCostPerMs ?? this.#provisionalCapacity();
  }

  /**
   * Before a window closed with MIN_SAMPLES completions: the process's own CPU time over its
   * completions as soon as it has that many, else the cold cost. A fresh process's first wave is
   * often answered together (one slow upstream), and a second wave right behind it must be judged
   * by what the first cost, not by the cold cost until the window closes. The CPU counted is the
   * open windows', so work still in flight makes the cost higher, never lower. With no cold cost
   * (0) nothing is assumed before a window measured the cost, as before it existed.
   */
  #provisionalCapacity(): number | undefined {
    if (this.coldCostMs <= 0) return undefined;
    const completed = this.#costCompleted + this.#completed;
    if (completed >= MIN_SAMPLES) {
      const cpuMs = this.#costCpuMs + this.cpuTimeMs() - this.#cpuAtWindowStart;
      if (cpuMs > 0) return completed / cpuMs;
    }
    return 1 / this.coldCostMs;
  }

  #roll(): void {
    const now = this.now();
    if (now - this.#lastProbe < PROBE_MS) return;
    const probed = { ms: now - this.#lastProbe, busyMs: (now - this.#lastProbe) * this.utilisation() };
    this.#lastProbe = now;
    this.#busyMs += probed.busyMs;
    this.#remember(probed);
    this.#busy = this.#saturatedOver(SATURATED_SPAN_MS);
    this.#stepSaturated = this.#saturatedOver(STEP_SPAN_MS);
    this.#stepping &&= this.#stepSaturated;
    const elapsed = now - this.#windowStart;
    if (elapsed < BUDGET_WINDOW_MS) return;
    // The rate of a window with CPU to spare is the offered load, not the capacity: not measured.
    if (this.#busyMs >= elapsed * this.minUtilisation) {
      if (this.#completed < MIN_SAMPLES) return;
      this.#measure(this.#completed / elapsed);
    }
    const cpuNow = this.cpuTimeMs();
    this.#measureCost(cpuNow - this.#cpuAtWindowStart);
    this.#cpuAtWindowStart = cpuNow;
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

  /**
   * The CPU time per completed request, from every window with completions whatever the load: the
   * process's CPU time over the completions, once MIN_SAMPLES were seen. CPU time, not the loop's
   * busy time: on a shared host the loop also counts as busy while the process waits for a core,
   * which would make every request look costly. CPU that served no request (timers, scrapes, GC)
   * only makes the cost higher, the capacity lower. Windows with no completion are left out, so an
   * idle process keeps what it last measured.
   */
  #measureCost(cpuMs: number): void {
    if (this.#completed === 0) return;
    this.#costCpuMs += cpuMs;
    this.#costCompleted += this.#completed;
    if (this.#costCompleted < MIN_SAMPLES || this.#costCpuMs <= 0) return;
    this.#capacityFromCostPerMs = this.#costCompleted / this.#costCpuMs;
    this.#costCpuMs = 0;
    this.#costCompleted = 0;
  }

  /** Keeps the probe intervals covering the last SATURATED_SPAN_MS. */
  #remember(probed: { ms: number; busyMs: number }): void {
    this.#recent.push(probed);
    let spanMs = this.#recent.reduce((sum, interval) => sum + interval.ms, 0);
    while (spanMs - this.#recent[0]!.ms >= SATURATED_SPAN_MS) spanMs -= this.#recent.shift()!.ms;
  }

  /** True when the latest probe intervals covering `spanMs` were at least minUtilisation busy. */
  #saturatedOver(spanMs: number): boolean {
    let coveredMs = 0;
    let busyMs = 0;
    for (let index = this.#recent.length - 1; index >= 0 && coveredMs < spanMs; index--) {
      coveredMs += this.#recent[index]!.ms;
      busyMs += this.#recent[index]!.busyMs;
    }
    return coveredMs >= spanMs && busyMs >= coveredMs * this.minUtilisation;
  }
}
