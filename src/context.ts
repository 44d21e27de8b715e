import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { BallastConfig, SourceName } from './config-schema.js';
import { forwardedHeaders } from './http/header-policy.js';
import { DegradationCollector } from './degradation/collector.js';
import { requestSpanOf } from './observability/tracing.js';
import type { VerifiedToken } from './identity.js';
import { clientBudgetMs, Deadline } from './resilience/deadline.js';
import type { RequestClock } from './front-door/deadline-budget.js';
import { DEADLINE_HEADER } from './resilience/pipeline.js';
import type { Operations } from './sources/bind.js';
import { RequestLoads } from './loads/request-loads.js';

/** What every resolver of one GraphQL request shares. */
export interface BallastContext {
  config: BallastConfig;
  /** Verified token, added by src/plugins/use-identity.ts when identity.mode is "jwt". */
  jwt?: VerifiedToken;
  operations: Operations;
  /** Everything this request loads: loaders, settled values, field timers, calls in flight (src/loads/). */
  loads: RequestLoads;
  deadline: Deadline;
  /**
   * With the deadline rule on: when the answer is promised by (`performance.now()` clock), the full
   * budget from the request's arrival; `deadline` ends earlier by the reserve kept for CPU work.
   */
  answerBy?: number;
  degradation: DegradationCollector;
  /** `Type.field` → ms from config, overriding `@timeout` in the SDL. */
  fieldTimeouts: Readonly<Record<string, number>>;
  requestId: string;
  /** The HTTP request this context serves. */
  request: Request;
  /** Operation name for logs and metrics, set when execution starts. */
  operationName: string;
  /** ISO 4217 currency of prices and subtotals. */
  currency: string;
  /** Ends the request's loads: stops its timers, aborts every upstream call still in flight. Called when the response is done. */
  finish(): void;
}

export interface ContextDependencies {
  config: BallastConfig;
  operations: Operations;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;
/** W3C trace context: version-traceid-parentid-flags. */
const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;
const requestIds = new WeakMap<Request, string>();

/** The request's id: the client's `x-request-id` when it is sane, else a new UUID. Stable per request. */
export function requestIdOf(request: Request): string {
  let id = requestIds.get(request);
  if (id === undefined) {
    const offered = request.headers.get('x-request-id');
    id = offered !== null && REQUEST_ID.test(offered) ? offered : randomUUID();
    requestIds.set(request, id);
  }
  return id;
}

/**
 * Drops the request's id once nothing will ask for it again (the response is out): an entry left
 * for the GC to clear costs every scavenge ephemeron work (bench/README.md § "Seventh session: per-request CPU").
 */
export function forgetRequestId(request: Request): void {
  requestIds.delete(request);
}

/** The trace id of a valid W3C `traceparent` header (its second field), for log lines. */
export function traceIdOf(request: Request): string | undefined {
  const traceparent = request.headers.get('traceparent');
  return traceparent !== null && TRACEPARENT.test(traceparent) ? traceparent.slice(3, 35) : undefined;
}

/**
 * Headers for each source's calls: the client headers its allowlist lets through, then the
 * request id and (when valid) the W3C trace parent. Built once per source per request, on use.
 */
function upstreamHeaders(request: Request, requestId: string, config: BallastConfig): (source: string) => Record<string, string> {
  const given = request.headers.get('traceparent');
  const traceparent = given !== null && TRACEPARENT.test(given) ? given : undefined;
  const built = new Map<string, Record<string, string>>();
  return (source) => {
    let headers = built.get(source);
    if (!headers) {
      const allowlist = config.sources[source as SourceName]?.forwardHeaders ?? [];
      headers = forwardedHeaders(request.headers, allowlist.filter((name) => name !== 'x-request-id' && name !== 'traceparent'));
      // Set key by key, not spread into a new object: a spread per source and request cost ~2.7 µs on Node 20 (bench/README.md, per-call CPU).
      headers['x-request-id'] = requestId;
      if (traceparent !== undefined) headers.traceparent = traceparent;
      built.set(source, headers);
    }
    return headers;
  };
}

/**
 * `clock`, from admission control: the deadline runs from before Node read the request, and the
 * CPU work queued ahead of the request is kept out of its upstream waits (docs/security.md).
 */
export function createContext({ config, operations }: ContextDependencies, request: Request, clock?: RequestClock): BallastContext {
  const budgetMs = requestBudgetMs(config.deadlineMs, request.headers.get(DEADLINE_HEADER));
  const deadline = clock ? new Deadline(budgetMs - Math.min(clock.reserveMs, budgetMs / 2), clock.startedAt) : new Deadline(budgetMs);
  const requestId = requestIdOf(request);
  const loads = new RequestLoads({
    deadline,
    headers: upstreamHeaders(request, requestId, config),
    tracer: requestSpanOf(request),
    admit: callAllowance(config.security.maxCallsPerSource),
    ids: { requestId, traceId: traceIdOf(request) },
  });
  return {
    config,
    operations,
    loads,
    deadline,
    ...(clock ? { answerBy: clock.startedAt + budgetMs } : {}),
    degradation: new DegradationCollector(),
    fieldTimeouts: config.fieldTimeouts,
    requestId,
    request,
    operationName: 'anonymous',
    currency: config.currency,
    finish: () => loads.finish(),
  };
}

/**
 * Upstream calls one request may make per source: a single query (a long cart, many aliases)
 * must not fill a source's shared bulkhead for everyone (docs/security.md).
 */
function callAllowance(maxCallsPerSource: number): (source: string) => void {
  const calls = new Map<string, number>();
  return (source) => {
    const made = (calls.get(source) ?? 0) + 1;
    calls.set(source, made);
    if (made > maxCallsPerSource) {
      throw new GraphQLError(`this request needs more than ${maxCallsPerSource} calls to ${source}`, { extensions: { code: 'TOO_MANY_UPSTREAM_CALLS', source } });
    }
  };
}

/** The request's budget (`clientBudgetMs`); a header that is not a positive whole number of milliseconds is a 400. */
function requestBudgetMs(configured: number, header: string | null): number {
  const budgetMs = clientBudgetMs(configured, header);
  if (budgetMs === undefined) {
    throw new GraphQLError(`${DEADLINE_HEADER} must be a positive whole number of milliseconds, got "${(header ?? '').slice(0, 40)}"`, {
      extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
    });
  }
  return budgetMs;
}
