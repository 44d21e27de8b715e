import { vi } from 'vitest';

/** Keeps the event loop busy for `ms`: a long turn, during which no timer fires and no socket is read. */
export function blockFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy on purpose
  }
}

/** Lets the real `setImmediate`s queued so far run (they run in order). */
export function flushImmediates(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Advances fake timers (setTimeout faked, setImmediate real), then lets the immediates they queued
 * run: a time limit that fires is judged after the loop's next poll phase (src/resilience/late-timer.ts).
 */
export async function advance(ms: number): Promise<void> {
  vi.advanceTimersByTime(ms);
  await flushImmediates();
}
