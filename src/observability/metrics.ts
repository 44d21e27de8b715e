import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SourceName } from '../config-schema.js';
import type { DegradationReportEntry } from '../degradation/collector.js';
import type { LatePhase } from '../front-door/late-responses.js';
import type { BreakerState } from '../resilience/breaker.js';
import type { CallOutcome, PipelineObserver, ResiliencePipeline } from '../resilience/pipeline.js';
import { TimedCounts } from './timed-counts.js';

/** Outcome label of ballast_upstream_requests_total, from the pipeline's outcome. */
const OUTCOME_LABEL: Record<CallOutcome, string> = {
  success: 'success',
  cancelled: 'cancelled',
  UPSTREAM_TIMEOUT: 'timeout',
  UPSTREAM_UNAVAILABLE: 'error',
  UPSTREAM_BAD_RESPONSE: 'bad_response',
  CIRCUIT_OPEN: 'circuit_open',
  BULKHEAD_FULL: 'bulkhead_full',
  DEADLINE_EXCEEDED: 'deadline_exceeded',
};

const BREAKER_VALUE: Record<BreakerState, number> = { CLOSED: 0, HALF_OPEN: 1, OPEN: 2 };

/** GraphQL result of one request: every field fine, some degraded, or errors without data. */
export type RequestResult = 'ok' | 'partial' | 'error';

/** Distinct operation names kept as labels; the rest are counted as "other" to bound cardinality. */
const MAX_OPERATION_NAMES = 200;

const UPSTREAM_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const GRAPHQL_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * Node's default metrics (CPU, memory, event-loop lag, GC) describe the process, and prom-client
 * starts a collector for each registry it fills (an event-loop delay histogram, a GC observer)
 * that nothing can stop: collected once per process here, and registered in every gateway's
 * registry, so a gateway replaced by a reload (src/reload.ts) leaves none running behind it.
 */
let processMetrics: Registry | undefined;

function registerProcessMetrics(registry: Registry): void {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics, prefix: 'ballast_' });
  }
  for (const { name } of processMetrics.getMetricsAsArray()) registry.registerMetric(processMetrics.getSingleMetric(name)!);
}

/**
 * Every Prometheus metric of Ballast, in its own registry (so tests and several gateways in one
 * process do not collide). Names and labels are documented in docs/operations.md.
 */
export class BallastMetrics implements PipelineObserver {
  readonly registry = new Registry();
  readonly #operationNames = new Set<string>();
  /** Upstream calls (requests total and duration), counted per call without prom-client's label hashing. */
  readonly #upstreamCalls = new TimedCounts(['source', 'outcome'], UPSTREAM_BUCKETS);
  readonly #retries: Counter<'source'>;
  readonly #budgetExhausted: Counter<'source'>;
  readonly #breakerState: Gauge<'source'>;
  readonly #breakerTransitions: Counter<'source' | 'state'>;
  readonly #staleHits: Counter<'source'>;
  readonly #degradedFields: Counter<'source' | 'reason' | 'fallback'>;
  /** GraphQL requests (total and duration), counted per request the same way. */
  readonly #graphqlCalls = new TimedCounts(['operation', 'result'], GRAPHQL_BUCKETS);
  readonly #redisOperations: Counter<'operation' | 'outcome'>;
  readonly #shedRequests: Counter<'reason'>;
  readonly #pastDeadline: Counter<'status_class'>;
  readonly #deadlineOverrun: Histogram<'phase'>;
  readonly #cutAtDeadline: Counter;

  constructor(pipelines: Record<SourceName, ResiliencePipeline>, options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics !== false) registerProcessMetrics(this.registry);
    const upstreamCalls = this.#upstreamCalls;
    new Counter({
      name: 'ballast_upstream_requests_total',
      help: 'Upstream calls (retries included in one call) by source and outcome',
      labelNames: ['source', 'outcome'],
      registers,
      collect() {
        upstreamCalls.collectCounter(this);
      },
    });
    new Histogram({
      name: 'ballast_upstream_request_duration_seconds',
      help: 'Duration of upstream calls, retries and backoff included',
      labelNames: ['source', 'outcome'],
      buckets: UPSTREAM_BUCKETS,
      registers,
      collect() {
        upstreamCalls.collectHistogram(this);
      },
    });
    this.#retries = new Counter({ name: 'ballast_upstream_retries_total', help: 'Retries made, by source', labelNames: ['source'], registers });
    this.#budgetExhausted = new Counter({ name: 'ballast_upstream_retry_budget_exhausted_total', help: 'Retries refused because the source spent its retry budget', labelNames: ['source'], registers });
    // Across workers the worst state is the one to alert on.
    this.#breakerState = new Gauge({ name: 'ballast_breaker_state', help: 'Breaker state by source: 0 closed, 1 half-open, 2 open (the worst over workers)', labelNames: ['source'], registers, aggregator: 'max' });
    this.#breakerTransitions = new Counter({ name: 'ballast_breaker_transitions_total', help: 'Breaker state changes, by source and new state', labelNames: ['source', 'state'], registers });
    this.#staleHits = new Counter({ name: 'ballast_stale_cache_hits_total', help: 'Fields answered from the stale cache, by source', labelNames: ['source'], registers });
    this.#degradedFields = new Counter({ name: 'ballast_degraded_fields_total', help: 'Fields that took a fallback, by source, reason and fallback', labelNames: ['source', 'reason', 'fallback'], registers });
    const graphqlCalls = this.#graphqlCalls;
    new Counter({
      name: 'ballast_graphql_requests_total',
      help: 'GraphQL requests by operation name and result',
      labelNames: ['operation', 'result'],
      registers,
      collect() {
        graphqlCalls.collectCounter(this);
      },
    });
    new Histogram({
      name: 'ballast_graphql_request_duration_seconds',
      help: 'GraphQL request duration by operation name and result',
      labelNames: ['operation', 'result'],
      buckets: GRAPHQL_BUCKETS,
      registers,
      collect() {
        graphqlCalls.collectHistogram(this);
      },
    });
    this.#redisOperations = new Counter({
      name: 'ballast_redis_operations_total',
      help: 'Shared stale cache operations on Redis by operation (get, set) and outcome (ok, miss, error, skipped)',
      labelNames: ['operation', 'outcome'],
      registers,
    });
    this.#shedRequests = new Counter({
      name: 'ballast_requests_shed_total',
      help: 'Requests refused before handling: reason in_flight, latency, event_loop_delay, queue_delay or deadline_budget (503 OVERLOADED), rate_limited (429)',
      labelNames: ['reason'],
      registers,
    });
    this.#pastDeadline = new Counter({
      name: 'ballast_responses_past_deadline_total',
      help: 'Responses whose last byte was written after the request deadline (from arrival less the loop lag), by status class',
      labelNames: ['status_class'],
      registers,
    });
    this.#deadlineOverrun = new Histogram({
      name: 'ballast_response_deadline_overrun_seconds',
      help: 'How far past the deadline late responses finished, by the phase the deadline passed in: unread, queued, execution, write',
      labelNames: ['phase'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.#cutAtDeadline = new Counter({ name: 'ballast_queries_cut_at_deadline_total', help: 'Queries answered at their deadline with DEADLINE_EXCEEDED and no data instead of when their execution finished', registers });
    this.#registerBulkheadGauges(pipelines);
    for (const [source, pipeline] of Object.entries(pipelines)) {
      if (pipeline.breaker) this.#breakerState.set({ source }, BREAKER_VALUE[pipeline.breaker.state]);
    }
  }

  callEnded(source: string, outcome: CallOutcome, latencyMs: number): void {
    this.#upstreamCalls.record(source, OUTCOME_LABEL[outcome], latencyMs / 1000);
  }

  retried(source: string): void {
    this.#retries.inc({ source });
  }

  budgetExhausted(source: string): void {
    this.#budgetExhausted.inc({ source });
  }

  breakerTransition(source: string, state: BreakerState): void {
    this.#breakerState.set({ source }, BREAKER_VALUE[state]);
    this.#breakerTransitions.inc({ source, state: state.toLowerCase() });
  }

  degraded(entries: readonly DegradationReportEntry[]): void {
    for (const entry of entries) {
      this.#degradedFields.inc({ source: entry.source, reason: entry.reason, fallback: entry.fallback }, entry.paths.length);
      if (entry.fallback === 'STALE') this.#staleHits.inc({ source: entry.source }, entry.paths.length);
    }
  }

  redisOperation(operation: 'get' | 'set', outcome: 'ok' | 'miss' | 'error' | 'skipped'): void {
    this.#redisOperations.inc({ operation, outcome });
  }

  requestShed(reason: 'in_flight' | 'latency' | 'event_loop_delay' | 'queue_delay' | 'deadline_budget' | 'rate_limited'): void {
    this.#shedRequests.inc({ reason });
  }

  responsePastDeadline(status: number, phase: LatePhase, overrunMs: number): void {
    this.#pastDeadline.inc({ status_class: `${Math.floor(status / 100)}xx` });
    this.#deadlineOverrun.observe({ phase }, overrunMs / 1000);
  }

  queryCutAtDeadline(): void {
    this.#cutAtDeadline.inc();
  }

  requestFinished(operation: string, result: RequestResult, durationMs: number): void {
    this.#graphqlCalls.record(this.#operationLabel(operation), result, durationMs / 1000);
  }

  async scrape(): Promise<string> {
    return this.registry.metrics();
  }

  #operationLabel(operation: string): string {
    if (this.#operationNames.has(operation)) return operation;
    if (this.#operationNames.size >= MAX_OPERATION_NAMES) return 'other';
    this.#operationNames.add(operation);
    return operation;
  }

  #registerBulkheadGauges(pipelines: Record<SourceName, ResiliencePipeline>): void {
    const registers = [this.registry];
    new Gauge({
      name: 'ballast_bulkhead_in_use',
      help: 'Calls in flight per source',
      labelNames: ['source'],
      registers,
      collect() {
        for (const [source, pipeline] of Object.entries(pipelines)) this.set({ source }, pipeline.bulkhead.inUse);
      },
    });
    new Gauge({
      name: 'ballast_bulkhead_queued',
      help: 'Calls waiting for a bulkhead slot per source',
      labelNames: ['source'],
      registers,
      collect() {
        for (const [source, pipeline] of Object.entries(pipelines)) this.set({ source }, pipeline.bulkhead.queued);
      },
    });
  }
}
