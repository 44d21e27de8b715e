import type { DegradationReportEntry, FallbackKind } from '../degradation/collector.js';
import type { CallOutcome, PipelineObserver } from '../resilience/pipeline.js';

/** Seconds of history kept per source. */
const HISTORY_SECONDS = 300;
/** The "now" figures (rate, error %, percentiles) cover this many seconds. */
const RECENT_SECONDS = 10;
/** Latency samples kept per second; enough for p95 without unbounded memory. */
const SAMPLES_PER_SECOND = 256;
/** History points are sums over this many seconds. */
const HISTORY_STEP_SECONDS = 5;

interface Second {
  at: number;
  calls: number;
  errors: number;
  retries: number;
  latencies: number[];
  fallbacks: Record<FallbackKind, number>;
}

export interface SourceLiveStats {
  requestsPerSecond: number;
  errorPercentage: number;
  p50Ms: number | null;
  p95Ms: number | null;
  retries: number;
  fallbacks: Record<FallbackKind, number>;
  /** Oldest first: calls and errors per 5 s over the last 5 minutes. */
  history: Array<{ at: number; calls: number; errors: number }>;
}

/** Per-source figures of the last seconds and minutes, for the dashboard. No timers: rotates on use. */
export class LiveStats implements PipelineObserver {
  readonly #seconds = new Map<string, Second[]>();

  callEnded(source: string, outcome: CallOutcome, latencyMs: number): void {
    const second = this.#current(source);
    second.calls += 1;
    // A call cut short because its request ended is not the upstream's failure.
    if (outcome !== 'success' && outcome !== 'cancelled') second.errors += 1;
    if (second.latencies.length < SAMPLES_PER_SECOND) second.latencies.push(latencyMs);
  }

  retried(source: string): void {
    this.#current(source).retries += 1;
  }

  degraded(entries: readonly DegradationReportEntry[]): void {
    for (const entry of entries) this.#current(entry.source).fallbacks[entry.fallback] += entry.paths.length;
  }

  snapshot(source: string, now = Date.now()): SourceLiveStats {
    const nowSecond = Math.floor(now / 1000);
    const seconds = (this.#seconds.get(source) ?? []).filter((second) => second.at > nowSecond - HISTORY_SECONDS);
    const recent = seconds.filter((second) => second.at > nowSecond - RECENT_SECONDS);
    const calls = sum(recent, (second) => second.calls);
    const errors = sum(recent, (second) => second.errors);
    const latencies = recent.flatMap((second) => second.latencies).sort((a, b) => a - b);
    return {
      requestsPerSecond: round(calls / RECENT_SECONDS),
      errorPercentage: calls === 0 ? 0 : round((errors / calls) * 100),
      p50Ms: percentile(latencies, 0.5),
      p95Ms: percentile(latencies, 0.95),
      retries: sum(recent, (second) => second.retries),
      fallbacks: {
        STALE: sum(recent, (second) => second.fallbacks.STALE),
        DEFAULT: sum(recent, (second) => second.fallbacks.DEFAULT),
        NULL: sum(recent, (second) => second.fallbacks.NULL),
      },
      history: history(seconds, nowSecond),
    };
  }

  #current(source: string): Second {
    const at = Math.floor(Date.now() / 1000);
    let seconds = this.#seconds.get(source);
    if (!seconds) this.#seconds.set(source, (seconds = []));
    const last = seconds.at(-1);
    if (last?.at === at) return last;
    const second: Second = { at, calls: 0, errors: 0, retries: 0, latencies: [], fallbacks: { STALE: 0, DEFAULT: 0, NULL: 0 } };
    seconds.push(second);
    while (seconds.length > 0 && seconds[0]!.at <= at - HISTORY_SECONDS) seconds.shift();
    return second;
  }
}

function history(seconds: Second[], nowSecond: number): SourceLiveStats['history'] {
  const points: SourceLiveStats['history'] = [];
  const first = nowSecond - HISTORY_SECONDS + 1;
  for (let start = first; start <= nowSecond; start += HISTORY_STEP_SECONDS) {
    const inStep = seconds.filter((second) => second.at >= start && second.at < start + HISTORY_STEP_SECONDS);
    points.push({ at: start * 1000, calls: sum(inStep, (second) => second.calls), errors: sum(inStep, (second) => second.errors) });
  }
  return points;
}

function percentile(sorted: number[], fraction: number): number | null {
  if (sorted.length === 0) return null;
  return round(sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!);
}

function sum<T>(items: T[], value: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += value(item);
  return total;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
