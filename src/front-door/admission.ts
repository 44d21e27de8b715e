import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BallastConfig } from '../config-schema.js';
import { AdaptiveLimit } from './adaptive-limit.js';
import { DeadlineBudget } from './deadline-budget.js';
import type { RequestClock } from './deadline-budget.js';
import { EventLoopLag } from './event-loop-lag.js';
import { answerGuardMs, LateResponses } from './late-responses.js';
import type { LateResponse } from './late-responses.js';
import { QueueDelayLimit } from './queue-delay.js';
import type { Refusal } from './refusal.js';
import { writeRefusal } from './refusal.js';
import { routePath } from './route-path.js';

/** Why a request was shed; the label of `ballast_requests_shed_total`. */
export type ShedReason = 'in_flight' | 'latency' | 'event_loop_delay' | 'queue_delay' | 'deadline_budget' | 'rate_limited';

/** The reasons admission control itself refuses for (rate limits are refused in Yoga). */
type OverloadReason = Exclude<ShedReason, 'rate_limited'>;

/** Paths an orchestrator or scraper must reach even when Ballast is overloaded. */
const NEVER_SHED = new Set(['/health', '/ready', '/metrics']);

/**
 * Admission control in front of Yoga: a request that could not finish within its deadline is
 * refused at once with 503 OVERLOADED and Retry-After, before its body is read or parsed — when
 * `maxInFlight` requests are being handled already, when more are in flight than the process
 * completes in half the deadline while requests take longer than that (AdaptiveLimit), or while
 * the event loop lags more than `maxEventLoopDelayMs`, or while the CPU is saturated and requests
 * queue longer than a fraction of the deadline (QueueDelayLimit, `queueShedding`; docs/security.md),
 * or while the CPU work queued ahead could not be done within part of the deadline (DeadlineBudget,
 * `deadlineAdmission`), which also dates each admitted request's clock (`clockOf`).
 */
export class Admission {
  #inFlight = 0;
  readonly #lag: EventLoopLag | undefined;
  readonly #adaptive: AdaptiveLimit | undefined;
  readonly #queue: QueueDelayLimit | undefined;
  readonly #budget: DeadlineBudget | undefined;
  readonly #clocks = new WeakMap<IncomingMessage, RequestClock>();
  readonly #late: LateResponses | undefined;

  constructor(
    private readonly limits: BallastConfig['server'],
    private readonly deadlineMs: number,
    private readonly onShed: (reason: ShedReason) => void,
    onLate?: (late: LateResponse) => void,
  ) {
    this.#late = onLate ? new LateResponses(deadlineMs, onLate) : undefined;
    const budget = limits.deadlineAdmission;
    this.#lag = limits.maxEventLoopDelayMs > 0 || budget.enabled ? new EventLoopLag() : undefined;
    this.#adaptive = limits.adaptiveLimit ? new AdaptiveLimit(limits.maxInFlight, deadlineMs / 2) : undefined;
    const { enabled, targetFraction, intervalMs, minUtilisation } = limits.queueShedding;
    this.#queue = enabled ? new QueueDelayLimit({ targetMs: deadlineMs * targetFraction, intervalMs, minUtilisation }) : undefined;
    this.#budget = budget.enabled ? new DeadlineBudget(deadlineMs * budget.budgetFraction, budget.minUtilisation, undefined, undefined, undefined, budget.coldCostMs) : undefined;
  }

  /** A reload's new gateway: keeps what the process measured of itself (see DeadlineBudget.adoptMeasurements). */
  adoptMeasurements(previous: Admission): void {
    if (this.#budget && previous.#budget) this.#budget.adoptMeasurements(previous.#budget);
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Lets the request through (counted until its response closes) or answers it 503; true if admitted. */
  admit(request: IncomingMessage, response: ServerResponse): boolean {
    if (NEVER_SHED.has(routePath(request.url))) return true;
    const reason = this.#shedReason();
    if (reason) {
      this.onShed(reason);
      writeRefusal(request, response, this.#refusal(reason));
      return false;
    }
    const admitted = performance.now();
    const unreadMs = this.#lag?.lagMs ?? 0;
    // On a saturated loop (the only time a query may be cut, useAnswerByDeadline) upstream waits also end twice the
    // answer guard early, so a slow upstream degrades its fields before the whole query is cut; otherwise they keep the whole budget.
    if (this.#budget) {
      const guardMs = this.#budget.saturated ? 2 * answerGuardMs(this.deadlineMs, this.worstLoopDriftMs) : 0;
      this.#clocks.set(request, { startedAt: admitted - unreadMs, reserveMs: this.#budget.reserveMs(this.#inFlight) + guardMs });
    }
    this.#late?.watch(request, response, admitted, unreadMs);
    this.#inFlight++;
    this.#queue?.admitted(this.#inFlight);
    response.once('close', () => {
      // Their entries go now, not when the GC finds the request unreachable: a WeakMap entry left
      // to the GC costs every scavenge ephemeron work (bench/README.md § "Seventh session: per-request CPU").
      this.#clocks.delete(request);
      this.#late?.forget(request);
      this.#inFlight--;
      const sojournMs = performance.now() - admitted;
      this.#adaptive?.completed(sojournMs);
      this.#queue?.completed(sojournMs, this.#inFlight);
      this.#budget?.completed(sojournMs);
    });
    return true;
  }

  /** When an admitted request's deadline started and what it keeps for its CPU work (docs/security.md); none when the rule is off. */
  clockOf(request: IncomingMessage): RequestClock | undefined {
    return this.#clocks.get(request);
  }

  /**
   * True while the deadline rule finds the loop saturated (false with the rule off): only then may a
   * query be cut at its deadline, since on a loop with CPU to spare its fields' own deadlines answer in time.
   */
  get saturated(): boolean {
    return this.#budget?.saturated ?? false;
  }

  /** The longest recent loop drift (0 without a lag probe): how late a timer may fire (src/plugins/use-answer-by-deadline.ts). */
  get worstLoopDriftMs(): number {
    return this.#lag?.worstRecentMs ?? 0;
  }

  /** Marks for the report of a late response: which phase its deadline passed in (docs/operations.md). */
  executionStarted(request: IncomingMessage): void {
    this.#late?.executionStarted(request);
  }

  executionEnded(request: IncomingMessage): void {
    this.#late?.executionEnded(request);
  }

  stop(): void {
    this.#lag?.stop();
  }

  #shedReason(): OverloadReason | undefined {
    if (this.#inFlight >= this.limits.maxInFlight) return 'in_flight';
    if (this.#adaptive && this.#inFlight >= this.#adaptive.limit) return 'latency';
    if (this.#lag && this.limits.maxEventLoopDelayMs > 0 && this.#lag.lagMs > this.limits.maxEventLoopDelayMs) return 'event_loop_delay';
    if (this.#queue?.shouldShed(this.#inFlight)) return 'queue_delay';
    if (this.#budget?.shouldShed(this.#inFlight, this.#lag?.lagMs ?? 0)) return 'deadline_budget';
    return undefined;
  }

  #refusal(reason: OverloadReason): Refusal {
    const why = REASON_TEXT[reason](this.limits.maxInFlight);
    return { status: 503, code: 'OVERLOADED', message: `Ballast is overloaded (${why}); retry later`, retryAfterSeconds: this.limits.overloadRetryAfterSeconds };
  }
}

const REASON_TEXT: Record<OverloadReason, (maxInFlight: number) => string> = {
  in_flight: (maxInFlight) => `${maxInFlight} requests in flight`,
  latency: () => 'requests are taking over half their deadline',
  event_loop_delay: () => 'the event loop is behind',
  queue_delay: () => 'requests are queueing for the CPU',
  deadline_budget: () => 'the work queued ahead would not finish within the deadline',
};
