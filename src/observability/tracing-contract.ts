import type { DocumentNode, OperationTypeNode } from 'graphql';
import type { DegradationReportEntry } from '../degradation/collector.js';
import type { CallTracer } from '../resilience/call-trace.js';

// What tracing.ts and the SDK behind its dynamic import (./tracing-sdk.ts) share, in a module of
// its own so the SDK does not import back the module that loads it.

export interface Tracing {
  /** Starts the span of one GraphQL HTTP request, continuing the client's `traceparent` if any. */
  startRequest(request: Request, path: string): RequestSpan;
  /** Exports every span ended so far. */
  flush(): Promise<void>;
  /** Flushes, then stops the exporter. */
  shutdown(): Promise<void>;
}

/** The span of one GraphQL HTTP request; upstream calls become its children. */
export interface RequestSpan extends CallTracer {
  /** Names the span after the operation once it is known; `document` only when configured. */
  operation(type: OperationTypeNode, name: string | undefined, document: DocumentNode, includeDocument: boolean): void;
  /** One event per degradation report entry (source, reason, fallback), then ends the span. */
  end(status: number, degraded: readonly DegradationReportEntry[]): void;
}

/** How many spans this process started: stays 0 with tracing off (tests check it). */
export const tracingCounters = { spansStarted: 0 };
