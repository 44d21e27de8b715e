import type { SourceName } from '../config-schema.js';
import type { DegradationReportEntry } from '../degradation/collector.js';
import type { LateResponse } from '../front-door/late-responses.js';
import type { BreakerState } from '../resilience/breaker.js';
import type { PipelineObserver, RequestIds, ResiliencePipeline } from '../resilience/pipeline.js';
import type { StoreObserver } from '../degradation/shared-stale-store.js';
import { FailureSamples } from './failure-samples.js';
import { LiveStats } from './live-stats.js';
import { RateLimitedWarnings } from './logger.js';
import type { Logger } from './logger.js';
import { BallastMetrics } from './metrics.js';
import type { RequestResult } from './metrics.js';

/** What the request log line says about one GraphQL request. */
export interface FinishedRequest {
  requestId: string;
  /** From the client's W3C `traceparent`, when it sent a valid one. */
  traceId?: string | undefined;
  operation: string;
  result: RequestResult;
  status: number;
  durationMs: number;
  degraded: readonly DegradationReportEntry[];
}

/**
 * Everything Ballast reports about itself, fed by the pipelines (which notify `observers`) and by the
 * request plugins: Prometheus metrics, the dashboard's live stats, failure samples, logs.
 */
export class Telemetry {
  /**
   * The list every pipeline and the shared stale store notify, in order. Adding a metric touches
   * the code that emits the event and metrics.ts only.
   */
  readonly observers: Array<PipelineObserver & StoreObserver> = [];
  readonly logger: Logger;
  readonly live = new LiveStats();
  readonly samples: FailureSamples;
  #metrics: BallastMetrics | undefined;
  readonly #warnings: RateLimitedWarnings;

  constructor(logger: Logger, options: { samplesPerSource?: number; warningIntervalMs?: number } = {}) {
    this.logger = logger;
    this.samples = new FailureSamples(options.samplesPerSource);
    this.#warnings = new RateLimitedWarnings(logger, options.warningIntervalMs);
    this.observers.push(this.live, this.samples, this.#logObserver());
  }

  /** Metrics need the pipelines (bulkhead gauges); attach them once the pipelines exist. */
  attachPipelines(pipelines: Record<SourceName, ResiliencePipeline>, defaultMetrics = true): void {
    this.#metrics = new BallastMetrics(pipelines, { defaultMetrics });
    this.observers.push(this.#metrics);
  }

  get metrics(): BallastMetrics {
    if (!this.#metrics) throw new Error('telemetry has no pipelines attached');
    return this.#metrics;
  }

  requestFinished(request: FinishedRequest): void {
    this.#metrics?.requestFinished(request.operation, request.result, request.durationMs);
    if (request.degraded.length) {
      this.#metrics?.degraded(request.degraded);
      this.live.degraded(request.degraded);
      for (const entry of request.degraded) {
        this.#warnings.warn(
          `${entry.source}:${entry.reason}:${entry.fallback}`,
          // The request that let this line through: its ids lead to one full example.
          { source: entry.source, reason: entry.reason, fallback: entry.fallback, ...idFields(request) },
          'fields degraded',
        );
      }
    }
    // The fields are built only when the line will be written (production often runs at warn).
    if (!this.logger.isLevelEnabled('info')) return;
    this.logger.info(
      {
        ...idFields(request),
        operation: request.operation,
        result: request.result,
        status: request.status,
        durationMs: Math.round(request.durationMs * 10) / 10,
        degradedSources: [...new Set(request.degraded.map((entry) => entry.source))],
      },
      'graphql request',
    );
  }

  /** A response finished after its request's deadline: counted, and one warning per phase every interval. */
  responsePastDeadline(late: LateResponse): void {
    this.#metrics?.responsePastDeadline(late.status, late.phase, late.overrunMs);
    this.#warnings.warn(
      `past-deadline:${late.phase}`,
      {
        status: late.status,
        phase: late.phase,
        overrunMs: Math.round(late.overrunMs),
        budgetMs: late.budgetMs,
        unreadMs: Math.round(late.unreadMs),
      },
      'response finished past its deadline',
    );
  }

  #logObserver(): PipelineObserver {
    return {
      breakerTransition: (source: string, state: BreakerState, cause?: RequestIds) => this.logger.warn({ source, state, ...idFields(cause) }, 'breaker transition'),
      budgetExhausted: (source: string, cause?: RequestIds) => this.#warnings.warn(`${source}:budget`, { source, ...idFields(cause) }, 'retry budget exhausted'),
    };
  }
}

/** The request a line is about, as log fields: `traceId` only when the client sent one. */
function idFields(ids: RequestIds | undefined): Partial<RequestIds> {
  if (!ids) return {};
  return ids.traceId ? { requestId: ids.requestId, traceId: ids.traceId } : { requestId: ids.requestId };
}
