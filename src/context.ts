import { randomUUID } from 'node:crypto';
import type DataLoader from 'dataloader';
import { GraphQLError } from 'graphql';
import type { BallastConfig, SourceName } from './config-schema.js';
import { forwardedHeaders } from './http/header-policy.js';
import { DegradationCollector } from './degradation.js';
import { requestSpanOf } from './observability/tracing.js';
import type { VerifiedToken } from './identity.js';
import { AbandonedCallError, CallCancelledError } from './errors.js';
import { Deadline } from './resilience/deadline.js';
import { DEADLINE_HEADER } from './resilience/pipeline.js';
import type { CallScope } from './resilience/pipeline.js';
import type { Operations } from './sources/index.js';
import type { BoundOperation } from './sources/operation.js';
import { SharedTimer } from './resolvers/shared-timer.js';

/** What every resolver of one GraphQL request shares. */
export interface BallastContext {
  config: BallastConfig;
  /** Verified token, added by src/plugins/use-identity.ts when identity.mode is "jwt". */
  jwt?: VerifiedToken;
  operations: Operations;
  /** This request's DataLoader for `operation`, created on first use. */
  loaderFor<V extends object>(operation: BoundOperation<V>): DataLoader<string, V | null>;
  /**
   * Values this request already has for `operation` (a page's products for `productById`): its
   * loader answers them without a call. Applied when the loader is first used, so a request that
   * never asks pays nothing (priming builds a promise per key).
   */
  prime<V extends object>(operation: BoundOperation<V>, entries: ReadonlyArray<readonly [string, V]>): void;
  /**
   * The value this request already loaded (or primed) for `key`, `null` for "not found", or
   * undefined when it has none yet: a field can then answer without a promise.
   */
  settled<V extends object>(operation: BoundOperation<V>, key: string): V | null | undefined;
  /** True the first time in this request that a field of `operation` found its breaker refusing. */
  firstRefusal<V extends object>(operation: BoundOperation<V>): boolean;
  /**
   * The request's shared timer for a field coordinate, created by `plan` on first use; `plan`
   * answers undefined when the field needs no timer of its own.
   */
  sharedTimer(coordinate: string, plan: () => { ms: number; reason: () => Error; onFire?: () => void } | undefined): SharedTimer | undefined;
  /** A field gave up on `source`: its calls still in flight at the end count as timeouts. */
  abandon(source: string): void;
  deadline: Deadline;
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
  /** Aborts every upstream call this request still has in flight. Called when the response is done. */
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
  const traceparent = request.headers.get('traceparent');
  const own: Record<string, string> = { 'x-request-id': requestId };
  if (traceparent !== null && TRACEPARENT.test(traceparent)) own.traceparent = traceparent;
  const built = new Map<string, Record<string, string>>();
  return (source) => {
    let headers = built.get(source);
    if (!headers) {
      const allowlist = config.sources[source as SourceName]?.forwardHeaders ?? [];
      headers = { ...forwardedHeaders(request.headers, allowlist.filter((name) => name !== 'x-request-id' && name !== 'traceparent')), ...own };
      built.set(source, headers);
    }
    return headers;
  };
}

export function createContext({ config, operations }: ContextDependencies, request: Request): BallastContext {
  const deadline = new Deadline(requestBudgetMs(config.deadlineMs, request.headers.get(DEADLINE_HEADER)));
  const requestId = requestIdOf(request);
  const inFlight = new Set<{ source: string; abort: (reason: Error) => void }>();
  const abandoned = new Set<string>();
  const onFinish = (source: string, abort: (reason: Error) => void): (() => void) => {
    const call = { source, abort };
    inFlight.add(call);
    return () => void inFlight.delete(call);
  };
  const scope: CallScope = {
    deadline,
    onFinish,
    headers: upstreamHeaders(request, requestId, config),
    tracer: requestSpanOf(request),
    admit: callAllowance(config.security.maxCallsPerSource),
  };
  const loaders = new Map<string, unknown>();
  const refused = new Set<string>();
  // Per operation name: what its loader has loaded, or was primed with, so far (see BoundOperation.createLoader).
  const settled = new Map<string, Map<string, unknown>>();
  const settledFor = (name: string): Map<string, unknown> => {
    let values = settled.get(name);
    if (!values) settled.set(name, (values = new Map()));
    return values;
  };
  const timers = new Map<string, SharedTimer | undefined>();
  return {
    config,
    operations,
    loaderFor<V extends object>(operation: BoundOperation<V>): DataLoader<string, V | null> {
      const name = operation.operation.name;
      // Keyed by the operation's unique name, so a loader found here was built by this operation for V.
      let loader = loaders.get(name) as DataLoader<string, V | null> | undefined;
      if (!loader) {
        // Holds only this operation's values, so reading them back as V is sound.
        const values = settledFor(name) as Map<string, V | null>;
        loader = operation.createLoader(scope, values);
        loaders.set(name, loader);
        // Before its first load, all a loader's settled values were primed: hand them over.
        for (const [key, value] of values) loader.prime(key, value);
      }
      return loader;
    },
    prime(operation, entries) {
      const name = operation.operation.name;
      const values = settledFor(name);
      for (const [key, value] of entries) values.set(key, value);
      const loader = loaders.get(name) as DataLoader<string, unknown> | undefined;
      if (loader) for (const [key, value] of entries) loader.prime(key, value);
    },
    firstRefusal(operation) {
      const name = operation.operation.name;
      if (refused.has(name)) return false;
      refused.add(name);
      return true;
    },
    settled<V extends object>(operation: BoundOperation<V>, key: string): V | null | undefined {
      return settled.get(operation.operation.name)?.get(key) as V | null | undefined;
    },
    sharedTimer(coordinate, plan) {
      if (timers.has(coordinate)) return timers.get(coordinate);
      const planned = plan();
      const timer = planned && new SharedTimer(planned.ms, planned.reason, planned.onFire);
      timers.set(coordinate, timer);
      return timer;
    },
    deadline,
    degradation: new DegradationCollector(),
    fieldTimeouts: config.fieldTimeouts,
    requestId,
    request,
    operationName: 'anonymous',
    currency: config.currency,
    abandon: (source) => void abandoned.add(source),
    finish() {
      for (const timer of timers.values()) timer?.dispose();
      for (const call of [...inFlight]) {
        call.abort(abandoned.has(call.source) ? new AbandonedCallError(call.source, `${call.source}: a field stopped waiting, the call was abandoned`) : REQUEST_FINISHED);
      }
      inFlight.clear();
    },
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

/** The abort reason of calls outliving their request; one shared instance, since building an Error is not free. */
const REQUEST_FINISHED = new CallCancelledError('request', 'the request that wanted this call has finished');

/** A client may shorten, never lengthen, the request's budget with `x-ballast-deadline-ms`. */
function requestBudgetMs(configured: number, header: string | null): number {
  if (header === null) return configured;
  const value = Number(header);
  if (!/^\d+$/.test(header.trim()) || value <= 0) {
    throw new GraphQLError(`${DEADLINE_HEADER} must be a positive whole number of milliseconds, got "${header.slice(0, 40)}"`, {
      extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
    });
  }
  return Math.min(configured, value);
}
