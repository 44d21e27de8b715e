import type { RequestSpan, Tracing } from './tracing-contract.js';

export type { RequestSpan, Tracing } from './tracing-contract.js';
export { tracingCounters } from './tracing-contract.js';

/**
 * OpenTelemetry tracing, on only when an OTLP endpoint is configured (docs/operations.md,
 * "Tracing"). This module is all the rest of Ballast imports: the SDK sits behind a dynamic
 * import in ./tracing-sdk.ts, so with tracing off it is never loaded and no span is created.
 */
let active: Tracing | undefined;
const requestSpans = new WeakMap<Request, RequestSpan>();

/** True when the environment names an OTLP traces endpoint and does not switch tracing off. */
export function tracingConfigured(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  if (env.OTEL_TRACES_EXPORTER !== undefined && env.OTEL_TRACES_EXPORTER.trim() !== 'otlp') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT);
}

/**
 * Loads the SDK and starts exporting when `env` configures it; otherwise does nothing at all.
 * The SDK itself reads its settings from `process.env`.
 */
export async function startTracing(env: NodeJS.ProcessEnv = process.env): Promise<Tracing | undefined> {
  if (active || !tracingConfigured(env)) return active;
  const { createTracing } = await import('./tracing-sdk.js');
  active = createTracing(requestSpans);
  return active;
}

/** The running tracing, or undefined when it is off: the one check every hot path makes. */
export function activeTracing(): Tracing | undefined {
  return active;
}

/** Flushes and stops tracing; a no-op when it is off. */
export async function stopTracing(): Promise<void> {
  const tracing = active;
  active = undefined;
  await tracing?.shutdown();
}

/** The span of `request`, when tracing is on and the request is a GraphQL one. */
export function requestSpanOf(request: Request): RequestSpan | undefined {
  return active === undefined ? undefined : requestSpans.get(request);
}
