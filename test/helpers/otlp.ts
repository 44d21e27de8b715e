import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect } from 'vitest';
import { startTracing, stopTracing } from '../../src/observability/tracing.js';

/**
 * A real OTLP/HTTP receiver and the decoder of what Ballast's exporter sends it (OTLP/JSON): used by
 * the tracing tests, the tracing bench (bench/tracing.ts) and the trace picture (scripts/trace-picture.ts).
 */

/** One span as the OTLP/JSON exporter sends it, attributes flattened. */
export interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  /** Nanoseconds since the epoch, as the exporter sends them (decimal strings). */
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  /** 2 is ERROR. */
  status: { code?: number; message?: string };
  attributes: Record<string, string | number | boolean>;
  events: Array<{ name: string; attributes: Record<string, string | number | boolean> }>;
  /** When each of `events` happened (same order), apart so the tests can compare events by value. */
  eventTimesUnixNano: string[];
}

type OtlpAttribute = { key: string; value: { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number } };
type OtlpSpan = Omit<ExportedSpan, 'attributes' | 'events' | 'eventTimesUnixNano' | 'status'> & {
  status?: ExportedSpan['status'];
  attributes?: OtlpAttribute[];
  events?: Array<{ name: string; timeUnixNano: string; attributes?: OtlpAttribute[] }>;
};
interface OtlpBody {
  resourceSpans: Array<{ resource: { attributes: OtlpAttribute[] }; scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
}

export interface OtlpReceiver {
  /** The base URL, for OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  /** Every JSON body POSTed to /v1/traces, in arrival order. */
  bodies: string[];
  server: Server;
}

/** A receiver on loopback port 0 that answers 200 to every request and keeps every /v1/traces body. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const bodies: string[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method === 'POST' && request.url === '/v1/traces') bodies.push(Buffer.concat(chunks).toString('utf8'));
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies, server };
}

export function flattenAttributes(attributes: OtlpAttribute[] = []): Record<string, string | number | boolean> {
  const flat: Record<string, string | number | boolean> = {};
  for (const { key, value } of attributes) {
    flat[key] = value.stringValue ?? value.boolValue ?? (value.intValue !== undefined ? Number(value.intValue) : value.doubleValue!);
  }
  return flat;
}

/** Every span of every body, decoded. */
export function spansIn(bodies: readonly string[]): ExportedSpan[] {
  return bodies.flatMap((body) =>
    (JSON.parse(body) as OtlpBody).resourceSpans.flatMap((resourceSpans) =>
      resourceSpans.scopeSpans.flatMap((scope) =>
        scope.spans.map((span) => ({
          traceId: span.traceId,
          spanId: span.spanId,
          parentSpanId: span.parentSpanId ?? '',
          name: span.name,
          kind: span.kind,
          startTimeUnixNano: String(span.startTimeUnixNano),
          endTimeUnixNano: String(span.endTimeUnixNano),
          status: span.status ?? {},
          attributes: flattenAttributes(span.attributes),
          events: (span.events ?? []).map((event) => ({ name: event.name, attributes: flattenAttributes(event.attributes) })),
          eventTimesUnixNano: (span.events ?? []).map((event) => String(event.timeUnixNano)),
        })),
      ),
    ),
  );
}

/**
 * Exports this process's spans to a receiver on loopback for one test file: tracing starts before
 * its tests (so the in-process Ballasts they start export every span there) and stops after them.
 */
export function exportSpansInProcess(): { readonly receiver: OtlpReceiver } {
  const exported = {} as { receiver: OtlpReceiver };
  beforeAll(async () => {
    exported.receiver = await startOtlpReceiver();
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = exported.receiver.url;
    process.env.OTEL_BSP_SCHEDULE_DELAY = '20';
    expect(await startTracing()).toBeDefined();
  });
  afterAll(async () => {
    await stopTracing();
    delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    delete process.env.OTEL_BSP_SCHEDULE_DELAY;
    await new Promise((resolve) => exported.receiver.server.close(resolve));
  });
  return exported;
}
