import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BallastConfig } from '../config-schema.js';
import { EventLoopLag } from './event-loop-lag.js';
import type { Refusal } from './refusal.js';
import { writeRefusal } from './refusal.js';

/** Why a request was shed; the label of `ballast_requests_shed_total`. */
export type ShedReason = 'in_flight' | 'event_loop_delay' | 'rate_limited';

/** Paths an orchestrator or scraper must reach even when Ballast is overloaded. */
const NEVER_SHED = new Set(['/health', '/ready', '/metrics']);

/**
 * Admission control in front of Yoga: a request that could not finish within its deadline is
 * refused at once with 503 OVERLOADED and Retry-After, before its body is read or parsed — when
 * `maxInFlight` requests are being handled already, or while the event loop lags more than
 * `maxEventLoopDelayMs` (docs/security.md).
 */
export class Admission {
  #inFlight = 0;
  readonly #lag: EventLoopLag | undefined;

  constructor(
    private readonly limits: BallastConfig['server'],
    private readonly onShed: (reason: ShedReason) => void,
  ) {
    this.#lag = limits.maxEventLoopDelayMs > 0 ? new EventLoopLag() : undefined;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Lets the request through (counted until its response closes) or answers it 503; true if admitted. */
  admit(request: IncomingMessage, response: ServerResponse): boolean {
    if (NEVER_SHED.has(pathOf(request.url))) return true;
    const reason = this.#shedReason();
    if (reason) {
      this.onShed(reason);
      writeRefusal(request, response, this.#refusal(reason));
      return false;
    }
    this.#inFlight++;
    response.once('close', () => this.#inFlight--);
    return true;
  }

  stop(): void {
    this.#lag?.stop();
  }

  #shedReason(): ShedReason | undefined {
    if (this.#inFlight >= this.limits.maxInFlight) return 'in_flight';
    if (this.#lag && this.#lag.lagMs > this.limits.maxEventLoopDelayMs) return 'event_loop_delay';
    return undefined;
  }

  #refusal(reason: ShedReason): Refusal {
    const why = reason === 'in_flight' ? `${this.limits.maxInFlight} requests in flight` : 'the event loop is behind';
    return { status: 503, code: 'OVERLOADED', message: `Ballast is overloaded (${why}); retry later`, retryAfterSeconds: this.limits.overloadRetryAfterSeconds };
  }
}

export function pathOf(url: string | undefined): string {
  const path = url ?? '/';
  const query = path.indexOf('?');
  return query === -1 ? path : path.slice(0, query);
}
