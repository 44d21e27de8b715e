import type { CallSignal } from '../http/call-signal.js';

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
 * A child signal that fires after `ms` with `reason()`, or as soon as `parent` fires with the
 * parent's reason. One `CallAbort` and one timer per call; `dispose()` leaves nothing behind.
 */
export interface LinkedTimeout {
  readonly signal: CallSignal;
  /** Aborts now with `reason` (a caller outside the parent chain gave up). */
  abort(reason: Error): void;
  dispose(): void;
}

export function linkedTimeout(parent: CallSignal | undefined, ms: number, reason: () => Error): LinkedTimeout {
  const signal = new CallAbort();
  const abort = (cause: Error): void => signal.abort(cause);
  if (parent?.aborted) {
    signal.abort(parent.reason);
    return { signal, abort, dispose: noop };
  }
  const onParentAbort = parent && ((): void => signal.abort(parent.reason));
  if (onParentAbort) parent.addEventListener('abort', onParentAbort, { once: true });
  const timer = setTimeout(() => signal.abort(reason()), Math.max(0, ms));
  return {
    signal,
    abort,
    dispose() {
      clearTimeout(timer);
      if (onParentAbort) parent.removeEventListener('abort', onParentAbort);
    },
  };
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

function noop(): void {}
