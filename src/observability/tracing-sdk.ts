import { createHash } from 'node:crypto';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Attributes, Context, Span, TextMapGetter, TextMapSetter, Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_RESEND_COUNT,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_SERVICE_NAME,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import type { DocumentNode, OperationTypeNode } from 'graphql';
import { print } from 'graphql';
import type { DegradationReportEntry } from '../degradation/collector.js';
import { CallCancelledError } from '../errors.js';
import type { UpstreamError } from '../errors.js';
import type { AttemptSpan, CallSpan, TraceAttributes } from '../resilience/call-trace.js';
import type { RequestSpan, Tracing } from './tracing-contract.js';
import { tracingCounters } from './tracing-contract.js';

// Still "development" in the semantic conventions, so not exported by the package's stable entry
// point; the names are the conventions' own.
const ATTR_URL_TEMPLATE = 'url.template';
const ATTR_GRAPHQL_OPERATION_NAME = 'graphql.operation.name';
const ATTR_GRAPHQL_OPERATION_TYPE = 'graphql.operation.type';
const ATTR_GRAPHQL_DOCUMENT = 'graphql.document';
/** Not in the conventions: lets a backend group requests by document without storing it. */
const ATTR_DOCUMENT_HASH = 'ballast.graphql.document.sha256';

const propagator = new W3CTraceContextPropagator();
const headersGetter: TextMapGetter<Headers> = {
  get: (carrier, key) => carrier.get(key) ?? undefined,
  keys: (carrier) => [...carrier.keys()],
};
const recordSetter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

/**
 * The standard variables the OpenTelemetry SDK reads from `process.env` itself (Ballast's own code
 * reads only the switches in tracing.ts). docs/operations.md documents these and no others.
 */
export const SDK_ENV_VARIABLES = [
  'OTEL_SERVICE_NAME',
  'OTEL_RESOURCE_ATTRIBUTES',
  'OTEL_TRACES_SAMPLER',
  'OTEL_TRACES_SAMPLER_ARG',
  'OTEL_BSP_SCHEDULE_DELAY',
  'OTEL_BSP_MAX_QUEUE_SIZE',
  'OTEL_EXPORTER_OTLP_HEADERS',
  'OTEL_EXPORTER_OTLP_TRACES_HEADERS',
] as const;

/**
 * The OTLP/HTTP (JSON) exporter, batch processor and sampler, all configured by the standard
 * OTEL_* variables, which the SDK reads from `process.env` itself (OTEL_SERVICE_NAME,
 * OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER[_ARG], OTEL_BSP_*, OTEL_EXPORTER_OTLP_*).
 */
export function createTracing(requestSpans: WeakMap<Request, RequestSpan>): Tracing {
  const resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'ballast' }).merge(detectResources({ detectors: [envDetector] }));
  const provider = new BasicTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  const tracer = provider.getTracer('ballast');
  return {
    startRequest(request, path) {
      const parent = propagator.extract(ROOT_CONTEXT, request.headers, headersGetter);
      const span = startSpan(tracer, 'GraphQL Operation', SpanKind.SERVER, parent, { [ATTR_HTTP_REQUEST_METHOD]: request.method, [ATTR_URL_PATH]: path });
      const requestSpan = new OtelRequestSpan(tracer, span);
      requestSpans.set(request, requestSpan);
      return requestSpan;
    },
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

function startSpan(tracer: Tracer, name: string, kind: SpanKind, parent: Context, attributes: Attributes): Span {
  tracingCounters.spansStarted += 1;
  return tracer.startSpan(name, { kind, attributes }, parent);
}

const documentHashes = new WeakMap<DocumentNode, string>();

/** Yoga caches parsed documents, so a repeated query is printed and hashed once. */
function documentHash(document: DocumentNode): string {
  let hash = documentHashes.get(document);
  if (hash === undefined) {
    hash = createHash('sha256').update(print(document)).digest('hex');
    documentHashes.set(document, hash);
  }
  return hash;
}

class OtelRequestSpan implements RequestSpan {
  readonly #tracer: Tracer;
  readonly #span: Span;
  readonly #context: Context;
  #named = false;
  #unsampled: UnsampledCallSpan | undefined;

  constructor(tracer: Tracer, span: Span) {
    this.#tracer = tracer;
    this.#span = span;
    this.#context = trace.setSpan(ROOT_CONTEXT, span);
  }

  operation(type: OperationTypeNode, name: string | undefined, document: DocumentNode, includeDocument: boolean): void {
    // A batched HTTP request runs several operations; its span is named after the first.
    if (this.#named || !this.#span.isRecording()) return;
    this.#named = true;
    this.#span.updateName(name ? `${type} ${name}` : type);
    this.#span.setAttribute(ATTR_GRAPHQL_OPERATION_TYPE, type);
    if (name) this.#span.setAttribute(ATTR_GRAPHQL_OPERATION_NAME, name);
    this.#span.setAttribute(ATTR_DOCUMENT_HASH, documentHash(document));
    // Off by default: a document can carry inlined arguments a client thought private.
    if (includeDocument) this.#span.setAttribute(ATTR_GRAPHQL_DOCUMENT, print(document));
  }

  startCall(source: string, method: string, route: string, origin: URL): CallSpan {
    // Unsampled (most requests at a low ratio): no span per call and attempt, only the context
    // for the upstream. They would record nothing, yet cost about half of what tracing adds to a
    // request at 10% sampling (bench/README.md, Tracing overhead).
    if (!this.#span.isRecording()) return (this.#unsampled ??= new UnsampledCallSpan(this.#context));
    const span = startSpan(this.#tracer, `${source} ${method} ${route}`, SpanKind.INTERNAL, this.#context, {
      'ballast.source': source,
      [ATTR_HTTP_REQUEST_METHOD]: method,
      [ATTR_URL_TEMPLATE]: route,
    });
    return new OtelCallSpan(this.#tracer, span, { source, method, route, origin });
  }

  end(status: number, degraded: readonly DegradationReportEntry[]): void {
    this.#span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    if (status >= 500) this.#span.setStatus({ code: SpanStatusCode.ERROR });
    for (const entry of degraded) {
      this.#span.addEvent('ballast.fallback', {
        'ballast.source': entry.source,
        'ballast.degradation.reason': entry.reason,
        'ballast.fallback': entry.fallback,
        'ballast.fields': entry.paths.length,
        ...(entry.staleAgeMs !== undefined ? { 'ballast.stale_age_ms': entry.staleAgeMs } : {}),
      });
    }
    this.#span.end();
  }
}

/**
 * A call of an unsampled request: the upstream still gets the trace (not sampled, with Ballast's
 * request span as its parent), nothing else is built.
 */
class UnsampledCallSpan implements CallSpan, AttemptSpan {
  readonly #context: Context;

  constructor(context: Context) {
    this.#context = context;
  }

  set(): void {}
  event(): void {}
  startAttempt(): AttemptSpan {
    return this;
  }

  inject(headers: Record<string, string>): void {
    propagator.inject(this.#context, headers, recordSetter);
  }

  end(): void {}
}

interface CallTarget {
  source: string;
  method: string;
  route: string;
  origin: URL;
}

class OtelCallSpan implements CallSpan {
  readonly #tracer: Tracer;
  readonly #span: Span;
  readonly #context: Context;
  readonly #target: CallTarget;

  constructor(tracer: Tracer, span: Span, target: CallTarget) {
    this.#tracer = tracer;
    this.#span = span;
    this.#context = trace.setSpan(ROOT_CONTEXT, span);
    this.#target = target;
  }

  set(attributes: TraceAttributes): void {
    this.#span.setAttributes(attributes);
  }

  event(name: string, attributes?: TraceAttributes): void {
    this.#span.addEvent(name, attributes);
  }

  startAttempt(resendCount: number, timeoutMs: number): AttemptSpan {
    const { source, method, route, origin } = this.#target;
    const span = startSpan(this.#tracer, `${method} ${route}`, SpanKind.CLIENT, this.#context, {
      'ballast.source': source,
      [ATTR_HTTP_REQUEST_METHOD]: method,
      [ATTR_URL_TEMPLATE]: route,
      [ATTR_SERVER_ADDRESS]: origin.hostname,
      [ATTR_SERVER_PORT]: Number(origin.port) || (origin.protocol === 'https:' ? 443 : 80),
      [ATTR_HTTP_REQUEST_RESEND_COUNT]: resendCount,
      'ballast.attempt.timeout_ms': timeoutMs,
    });
    return new OtelAttemptSpan(span);
  }

  end(error?: UpstreamError): void {
    if (error) {
      this.#span.addEvent(outcomeEvent(error), { 'error.type': error.code });
      this.#span.setAttribute(ATTR_ERROR_TYPE, error.code);
      this.#span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    }
    this.#span.end();
  }
}

/** What ended a failed call, named for what the pipeline did rather than how the upstream failed. */
function outcomeEvent(error: UpstreamError): string {
  if (error instanceof CallCancelledError) return 'ballast.call.cancelled';
  switch (error.code) {
    case 'CIRCUIT_OPEN':
      return 'ballast.breaker.refused';
    case 'BULKHEAD_FULL':
      return 'ballast.bulkhead.refused';
    case 'DEADLINE_EXCEEDED':
      return 'ballast.deadline.cut';
    default:
      return 'ballast.call.failed';
  }
}

class OtelAttemptSpan implements AttemptSpan {
  readonly #span: Span;

  constructor(span: Span) {
    this.#span = span;
  }

  inject(headers: Record<string, string>): void {
    propagator.inject(trace.setSpan(ROOT_CONTEXT, this.#span), headers, recordSetter);
  }

  end(status: number | undefined, error?: UpstreamError): void {
    if (status !== undefined) this.#span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    if (error) {
      // The conventions' error.type: the status code when the upstream answered with an error, else why it did not.
      this.#span.setAttribute(ATTR_ERROR_TYPE, status !== undefined && status >= 400 ? String(status) : error.code);
      this.#span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    }
    this.#span.end();
  }
}
