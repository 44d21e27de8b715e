/**
 * A child abort signal that fires after `ms` with `reason()`, or as soon as `parent` fires with the
 * parent's reason. One controller and one timer per call: cheaper on Node 20 than
 * `AbortSignal.any` + `AbortSignal.timeout`, and `dispose()` leaves nothing behind.
 */
export interface LinkedTimeout {
  readonly signal: AbortSignal;
  /** Aborts now with `reason` (a caller outside the parent chain gave up). */
  abort(reason: Error): void;
  dispose(): void;
}

export function linkedTimeout(parent: AbortSignal | undefined, ms: number, reason: () => Error): LinkedTimeout {
  const controller = new AbortController();
  const abort = (reason: Error): void => controller.abort(reason);
  if (parent?.aborted) {
    controller.abort(parent.reason);
    return { signal: controller.signal, abort, dispose: noop };
  }
  const onParentAbort = (): void => controller.abort(parent?.reason);
  parent?.addEventListener('abort', onParentAbort, { once: true });
  const timer = setTimeout(() => controller.abort(reason()), Math.max(0, ms));
  return {
    signal: controller.signal,
    abort,
    dispose() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. Leaves no timer behind. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
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
