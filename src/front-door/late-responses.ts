import type { IncomingMessage, ServerResponse } from 'node:http';
import { clientBudgetMs } from '../resilience/deadline.js';
import { DEADLINE_HEADER } from '../resilience/pipeline.js';

/**
 * Where a late request was when its deadline passed: still unread in the socket while the loop
 * lagged, admitted but not yet executing (body, parse, validation, identity), executing (upstream
 * waits and resolvers sharing the loop), or executed and waiting to be serialised and written.
 */
export type LatePhase = 'unread' | 'queued' | 'execution' | 'write';

/** One response finished after its request's deadline, by the request's own clock. */
export interface LateResponse {
  status: number;
  /** How far past the deadline the last byte was handed to the socket. */
  overrunMs: number;
  budgetMs: number;
  phase: LatePhase;
  /** Time the request plausibly sat unread before Node saw it (the loop lag at arrival). */
  unreadMs: number;
}

/** One request's marks on the `performance.now()` clock, and its budget in ms. */
export interface Times {
  startedAt: number;
  admittedAt: number;
  budgetMs: number;
  executionStartedAt?: number;
  executionEndedAt?: number;
}

/**
 * Watches every admitted request to the end of its response write and reports those finished
 * after their deadline (docs/operations.md, `ballast_responses_past_deadline_total`). The clock
 * is the one the request's `Deadline` runs on: arrival less the loop lag, on `performance.now()`.
 * The budget is the configured deadline, or the shorter one the client asked for.
 */
export class LateResponses {
  readonly #times = new WeakMap<IncomingMessage, Times>();

  constructor(
    private readonly deadlineMs: number,
    private readonly onLate: (late: LateResponse) => void,
  ) {}

  /** Starts watching `request`, which arrived `unreadMs` before it was admitted at `admittedAt`. */
  watch(request: IncomingMessage, response: ServerResponse, admittedAt: number, unreadMs: number): void {
    const times: Times = { startedAt: admittedAt - unreadMs, admittedAt, budgetMs: budgetOf(this.deadlineMs, request.headers[DEADLINE_HEADER]) };
    this.#times.set(request, times);
    // 'finish': the last byte was handed to the socket. A client that left first got no late answer.
    response.once('finish', () => this.#finished(response, times));
  }

  executionStarted(request: IncomingMessage): void {
    const times = this.#times.get(request);
    if (times) times.executionStartedAt = performance.now();
  }

  executionEnded(request: IncomingMessage): void {
    const times = this.#times.get(request);
    if (times) times.executionEndedAt = performance.now();
  }

  /** Drops what was kept of `request` once its response closed (the finish handler holds its own reference). */
  forget(request: IncomingMessage): void {
    this.#times.delete(request);
  }

  #finished(response: ServerResponse, times: Times): void {
    const deadlineAt = times.startedAt + times.budgetMs;
    const overrunMs = performance.now() - deadlineAt;
    if (overrunMs <= 0) return;
    this.onLate({
      status: response.statusCode,
      overrunMs,
      budgetMs: times.budgetMs,
      phase: phaseAt(times, deadlineAt),
      unreadMs: times.admittedAt - times.startedAt,
    });
  }
}

/** The budget the request's `Deadline` runs on; a header refused with 400 is judged against the configured one. */
function budgetOf(configured: number, header: string | string[] | undefined): number {
  return (typeof header === 'string' ? clientBudgetMs(configured, header) : undefined) ?? configured;
}

/** The phase the request was in when its deadline passed. */
export function phaseAt(times: Readonly<Times>, deadlineAt: number): LatePhase {
  if (deadlineAt <= times.admittedAt) return 'unread';
  if (times.executionStartedAt === undefined || deadlineAt <= times.executionStartedAt) return 'queued';
  if (times.executionEndedAt === undefined || deadlineAt <= times.executionEndedAt) return 'execution';
  return 'write';
}

/**
 * How long before its deadline a query still executing is answered (the deadline rule,
 * docs/security.md): the timer that answers fires only after the loop has run every socket that
 * was ready, as late as the loop has recently drifted, and the answer still has to be written. At
 * least a twentieth of the budget (at most 50 ms), at most a quarter of it, so a request is never
 * cut much before its time. Upstream waits end twice this before the deadline, so a field waiting
 * on a slow upstream is degraded (`DEADLINE_EXCEEDED`) before the whole query would be cut.
 */
export function answerGuardMs(budgetMs: number, worstLoopDriftMs: number): number {
  return Math.min(budgetMs / 4, Math.max(Math.min(50, budgetMs / 20), worstLoopDriftMs));
}
