import type { CallSignal } from '../http/call-signal.js';
import { LateTimer } from './late-timer.js';

/**
 * The part of `AbortSignal` the pipeline, its policies and undici use. A real `AbortSignal`
 * satisfies it; the pipeline itself uses the cheaper `CallAbort` below.
 */
export type { CallSignal } from '../http/call-signal.js';

/**
 * A one-shot abort signal without EventTarget: on Node 20 an `AbortController` with a listener
 * and a linked child costs about 20 µs per upstream call (measured in bench/README.md), this a
 * plain array. undici takes it as a signal, since it only needs `aborted`, `reason` and the two
 * listener methods. Listeners run once, on the first `abort`.
 */
export class CallAbort implements CallSignal {
  #aborted = false;
  #reason: unknown = undefined;
  #listeners: Array<() => void> | undefined;

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    if (this.#aborted) return;
    (this.#listeners ??= []).push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const listeners = this.#listeners;
    if (!listeners) return;
    const index = listeners.indexOf(listener);
    if (index >= 0) listeners.splice(index, 1);
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (listeners) for (const listener of listeners) listener();
  }
}

/**
 * Timers fire on the event loop's millisecond clock, which lags `performance.now()` by up to a
 * millisecond (and by the whole turn when the turn was long): a deadline this close counts as due.
 */
const TIMER_SLACK_MS = 1;

/**
 * The attempt in flight: its own abort and when it times out. The call aborts it directly (an
 * attempt aborted by the call takes the call's reason), without a listener on the call's signal.
 */
export class AttemptTimeout {
  readonly signal = new CallAbort();
  readonly endsAt: number;
  readonly reason: () => Error;
  readonly #owner: CallTimeouts;

  constructor(owner: CallTimeouts, endsAt: number, reason: () => Error) {
    this.#owner = owner;
    this.endsAt = endsAt;
    this.reason = reason;
  }

  /** The attempt is over: the call no longer aborts it, nor watches its time limit. */
  dispose(): void {
    this.#owner.attemptEnded(this);
  }
}

/**
 * A call's two time limits, its total budget (`signal`) and the attempt in flight
 * (`startAttempt`), on one timer instead of one each: the timer is set for whichever ends first
 * and, when it fires, aborts what is due and is set again for what is left. Set at the start for
 * the first attempt's end (`firstAttemptMs`), it rarely needs moving: an attempt that starts at
 * once ends when it said, and a later one (after a queue or a retry) ends after it, where a
 * firing timer finds it not yet due and waits again. So a call answered by its first attempt costs
 * one `setTimeout` and one `clearTimeout` (bench/README.md § "Eighth session: per-call CPU").
 * When both are due the total fires first, and an attempt aborted by the call takes the call's reason.
 */
export class CallTimeouts {
  /** Aborts when the total budget runs out, or `abort` is called; each attempt's signal follows it. */
  readonly signal = new CallAbort();
  readonly #endsAt: number;
  readonly #reason: () => Error;
  #attempt: AttemptTimeout | undefined;
  /** Judged after the next poll phase, so an answer that arrived during a long turn is read first (LateTimer). */
  readonly #timer = new LateTimer(() => this.#judge());
  /** When the timer is due; kept until it has been judged, so a limit set meanwhile does not push back one already due. */
  #timerAt = Infinity;

  /** `now`: the caller's `performance.now()`, when it has just read it. */
  constructor(totalMs: number, reason: () => Error, firstAttemptMs: number = totalMs, now: number = performance.now()) {
    this.#endsAt = now + Math.max(0, totalMs);
    this.#reason = reason;
    this.#arm(Math.min(this.#endsAt, now + Math.max(0, firstAttemptMs)), now);
  }

  /** Aborts now with `reason` (a caller outside the call gave up). */
  readonly abort = (reason: Error): void => this.#abortCall(reason);

  /** An attempt that aborts after `ms` with `reason()`, or with the call's reason when the call aborts first. */
  startAttempt(ms: number, reason: () => Error, now: number = performance.now()): AttemptTimeout {
    const attempt = new AttemptTimeout(this, now + Math.max(0, ms), reason);
    if (this.signal.aborted) {
      attempt.signal.abort(this.signal.reason);
      return attempt;
    }
    this.#attempt = attempt;
    this.#arm(attempt.endsAt, now);
    return attempt;
  }

  /** Called by the attempt's `dispose`: its end no longer matters (the timer is left to the call's). */
  attemptEnded(attempt: AttemptTimeout): void {
    if (this.#attempt === attempt) this.#attempt = undefined;
  }

  /** Stops the timer; nothing fires after this. */
  dispose(): void {
    this.#timer.clear();
    this.#timerAt = Infinity;
    this.#attempt = undefined;
  }

  /** Makes sure the timer fires by `at`: an earlier one is kept, a later one moved. */
  #arm(at: number, now: number): void {
    if (this.#timer.pending && this.#timerAt <= at + TIMER_SLACK_MS) return;
    this.#timerAt = at;
    this.#timer.start(Math.max(0, Math.ceil(at - now)));
  }

  /**
   * The timer fired and the loop has read its sockets since (an answer that arrived meanwhile has
   * settled its attempt): abort what is due, then wait for what is left. Nothing is aborted that had
   * not timed out when Ballast looked.
   */
  #judge(): void {
    this.#timerAt = Infinity;
    if (this.signal.aborted) return;
    const now = performance.now();
    if (now >= this.#endsAt - TIMER_SLACK_MS) {
      this.#abortCall(this.#reason());
      return;
    }
    const attempt = this.#attempt;
    if (attempt && now >= attempt.endsAt - TIMER_SLACK_MS) {
      this.#attempt = undefined;
      attempt.signal.abort(attempt.reason());
    }
    this.#arm(this.#attempt ? Math.min(this.#attempt.endsAt, this.#endsAt) : this.#endsAt, now);
  }

  /** The call first (its listeners: a bulkhead queue, a retry's wait), then the attempt in flight, with the call's first reason. */
  #abortCall(reason: Error): void {
    this.signal.abort(reason);
    this.#attempt?.signal.abort(this.signal.reason);
  }
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. Leaves no timer behind. */
export function sleep(ms: number, signal: CallSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
