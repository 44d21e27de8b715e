/**
 * A time limit judged after the event loop's next poll phase, not in its timers phase. Node runs due
 * timers before it reads ready sockets, so after a long turn of the loop a plain timer fires while
 * an answer that arrived during that turn still waits unread; a limit judged then throws that answer
 * away for a slowness that was the process's own (bench/README.md § "Twelfth session"). `run` is
 * called in a setImmediate queued when the timer fires; `clear()` cancels either. The instance rides
 * as the timers' argument (one runs per upstream call, so `start` builds no closure of its own).
 */
export class LateTimer {
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  readonly #run: () => void;

  constructor(run: () => void) {
    this.#run = run;
  }

  /** `run` after `ms` and the next poll phase; a start before it is cancelled. */
  start(ms: number): void {
    this.clear();
    this.#timer = setTimeout(LateTimer.#fired, ms, this);
  }

  /** Nothing runs after this until the next `start`. */
  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
    this.#timer = undefined;
    this.#immediate = undefined;
  }

  /** From `start` until `run` was called or the timer cleared. */
  get pending(): boolean {
    return this.#timer !== undefined || this.#immediate !== undefined;
  }

  static #fired(this: void, timer: LateTimer): void {
    timer.#timer = undefined;
    timer.#immediate = setImmediate(LateTimer.#due, timer);
  }

  static #due(this: void, timer: LateTimer): void {
    timer.#immediate = undefined;
    timer.#run();
  }
}
