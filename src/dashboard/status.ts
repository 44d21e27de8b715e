import type { BreakerState } from '../resilience/breaker.js';
import type { SourceLiveStats } from '../observability/live-stats.js';
import type { Fault } from '../faults/contract.js';
import type { BallastConfig, SourceName } from '../config-schema.js';
import { ALL_SOURCE_NAMES } from '../declared/names.js';
import type { GatewayState } from '../gateway-state.js';

export interface SourceStatus {
  name: string;
  kind: 'demo' | 'real';
  critical: boolean;
  /** The worst breaker state over the workers. */
  state: BreakerState | 'DISABLED';
  /** Each worker's own breaker (breakers are per worker process), by pid. */
  breakers: Array<{ pid: number; state: BreakerState | 'DISABLED' }>;
  bulkheadInUse: number;
  fault: Fault | null;
  stats: SourceLiveStats;
}

/** What /dashboard/status.json answers. */
export interface DashboardStatus {
  generatedAt: string;
  mode: string;
  draining: boolean;
  faultControl: boolean;
  /** How many worker processes these figures cover. */
  workers: number;
  /** With several workers and no Redis: stale values the primary holds for them. */
  hostStaleEntries?: number;
  sources: SourceStatus[];
}

/** What the status of this process reads about the running gateway. */
export type StatusState = Pick<GatewayState, 'demo' | 'draining' | 'sources' | 'telemetry'> & { config: Pick<BallastConfig, 'mode' | 'sources'> };

/** This process's view: what the dashboard shows, and what a cluster primary merges over workers. */
export async function localStatus(state: StatusState, faultControl = state.config.mode === 'development' && state.demo !== undefined): Promise<DashboardStatus> {
  const demo = state.demo;
  const faults = await Promise.all(ALL_SOURCE_NAMES.map((name) => (faultControl && demo?.sources.includes(name) ? demo.currentFault(name).catch(() => null) : null)));
  return {
    generatedAt: new Date().toISOString(),
    mode: state.config.mode,
    draining: state.draining,
    faultControl,
    workers: 1,
    // Declared sources (`@rest`) have rows too: their pipelines share the map under their names.
    sources: (ALL_SOURCE_NAMES as SourceName[]).map((name, index) => {
      const pipeline = state.sources.pipelines[name];
      return {
        name,
        kind: demo?.sources.includes(name) ? 'demo' : 'real',
        critical: state.config.sources[name].critical,
        state: pipeline.breaker?.state ?? 'DISABLED',
        breakers: [{ pid: process.pid, state: pipeline.breaker?.state ?? 'DISABLED' }],
        bulkheadInUse: pipeline.bulkhead.inUse,
        fault: faults[index] ?? null,
        stats: state.telemetry.live.snapshot(name),
      };
    }),
  };
}

const SEVERITY: Record<SourceStatus['state'], number> = { DISABLED: 0, CLOSED: 1, HALF_OPEN: 2, OPEN: 3 };

/**
 * Merges the status of several workers: rates, retries, fallbacks and in-flight calls add up,
 * error % is weighted by rate, latency percentiles take the worst worker (they cannot be added),
 * and a breaker shows its worst state over the workers beside each worker's own.
 */
export function mergeStatuses(statuses: DashboardStatus[]): DashboardStatus {
  const [first] = statuses;
  if (!first) throw new Error('no worker answered');
  return {
    ...first,
    generatedAt: new Date().toISOString(),
    draining: statuses.some((status) => status.draining),
    workers: statuses.reduce((sum, status) => sum + status.workers, 0),
    sources: first.sources.map((source, index) => mergeSource(statuses.map((status) => status.sources[index]!))),
  };
}

function mergeSource(sources: SourceStatus[]): SourceStatus {
  const [first] = sources as [SourceStatus, ...SourceStatus[]];
  const rate = sum(sources, (source) => source.stats.requestsPerSecond);
  const errors = sum(sources, (source) => (source.stats.requestsPerSecond * source.stats.errorPercentage) / 100);
  return {
    ...first,
    state: sources.reduce((worst, source) => (SEVERITY[source.state] > SEVERITY[worst] ? source.state : worst), first.state),
    breakers: sources.flatMap((source) => source.breakers),
    bulkheadInUse: sum(sources, (source) => source.bulkheadInUse),
    stats: {
      requestsPerSecond: round(rate),
      errorPercentage: rate === 0 ? 0 : round((errors / rate) * 100),
      p50Ms: worst(sources.map((source) => source.stats.p50Ms)),
      p95Ms: worst(sources.map((source) => source.stats.p95Ms)),
      retries: sum(sources, (source) => source.stats.retries),
      fallbacks: {
        STALE: sum(sources, (source) => source.stats.fallbacks.STALE),
        DEFAULT: sum(sources, (source) => source.stats.fallbacks.DEFAULT),
        NULL: sum(sources, (source) => source.stats.fallbacks.NULL),
      },
      history: first.stats.history.map((point, at) => ({
        at: point.at,
        calls: sum(sources, (source) => source.stats.history[at]?.calls ?? 0),
        errors: sum(sources, (source) => source.stats.history[at]?.errors ?? 0),
      })),
    },
  };
}

function sum<T>(items: T[], value: (item: T) => number): number {
  return items.reduce((total, item) => total + value(item), 0);
}

function worst(values: Array<number | null>): number | null {
  const known = values.filter((value): value is number => value !== null);
  return known.length ? Math.max(...known) : null;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
