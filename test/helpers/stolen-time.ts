import { readFileSync } from 'node:fs';

/**
 * Elapsed-time bounds on a shared runner: how long this process's main thread (the test, and the
 * in-process Ballast and upstreams) waited on the run queue, ready to run while the host gave the
 * CPU to other processes. A test adds this to a bound meant for Ballast's own timing, so a loaded
 * machine cannot fail it, while extra work or an extra wait inside Ballast still does (neither is
 * time spent waiting for a CPU). On a quiet machine it is about 0 and the bound is unchanged.
 */
export interface StolenTime {
  /** The milliseconds the main thread waited for a CPU since the start (read as often as needed). */
  ms(): number;
}

/** The kernel's count (Linux /proc/self/schedstat, 2nd field, ns) of the main thread's run-queue wait; undefined elsewhere. */
function runQueueWaitMs(): number | undefined {
  try {
    const waitNs = Number(readFileSync('/proc/self/schedstat', 'utf8').split(' ')[1]);
    return Number.isFinite(waitNs) ? waitNs / 1e6 : undefined;
  } catch {
    return undefined;
  }
}

/** Starts measuring; without the kernel's count (not Linux) it measures 0, so bounds stay as written. */
export function measureStolenTime(): StolenTime {
  const startMs = runQueueWaitMs();
  return {
    ms() {
      const endMs = runQueueWaitMs();
      return startMs === undefined || endMs === undefined ? 0 : endMs - startMs;
    },
  };
}
