import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { BallastMetrics } from '../../src/observability/metrics.js';
import type { RequestResult } from '../../src/observability/metrics.js';
import type { CallOutcome } from '../../src/resilience/pipeline.js';

// The per-call and per-request metrics are counted in plain numbers and handed to prom-client at
// scrape time. These tests pin the scrape to what prom-client's own inc/observe would print.

const UPSTREAM_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const GRAPHQL_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const OUTCOME_LABEL: Record<string, string> = { success: 'success', UPSTREAM_TIMEOUT: 'timeout', UPSTREAM_UNAVAILABLE: 'error', CIRCUIT_OPEN: 'circuit_open', cancelled: 'cancelled' };
const FAMILIES = ['ballast_upstream_requests_total', 'ballast_upstream_request_duration_seconds', 'ballast_graphql_requests_total', 'ballast_graphql_request_duration_seconds'];

/** What the metrics looked like when every call went through prom-client's inc and observe. */
function referenceRegistry() {
  const registry = new Registry();
  const registers = [registry];
  const upstreamRequests = new Counter({ name: 'ballast_upstream_requests_total', help: 'Upstream calls (retries included in one call) by source and outcome', labelNames: ['source', 'outcome'], registers });
  const upstreamDuration = new Histogram({ name: 'ballast_upstream_request_duration_seconds', help: 'Duration of upstream calls, retries and backoff included', labelNames: ['source', 'outcome'], buckets: UPSTREAM_BUCKETS, registers });
  const graphqlRequests = new Counter({ name: 'ballast_graphql_requests_total', help: 'GraphQL requests by operation name and result', labelNames: ['operation', 'result'], registers });
  const graphqlDuration = new Histogram({ name: 'ballast_graphql_request_duration_seconds', help: 'GraphQL request duration by operation name and result', labelNames: ['operation', 'result'], buckets: GRAPHQL_BUCKETS, registers });
  return {
    registry,
    callEnded(source: string, outcome: CallOutcome, latencyMs: number) {
      const labels = { source, outcome: OUTCOME_LABEL[outcome]! };
      upstreamRequests.inc(labels);
      upstreamDuration.observe(labels, latencyMs / 1000);
    },
    requestFinished(operation: string, result: RequestResult, durationMs: number) {
      graphqlRequests.inc({ operation, result });
      graphqlDuration.observe({ operation, result }, durationMs / 1000);
    },
  };
}

/** The lines of the four hot-path families, HELP and TYPE included, in scrape order. */
function hotFamilies(text: string): string[] {
  return text.split('\n').filter((line) => FAMILIES.some((family) => line.startsWith(family) || line.startsWith(`# HELP ${family} `) || line.startsWith(`# TYPE ${family} `)));
}

function newMetrics(): BallastMetrics {
  return new BallastMetrics({} as never, { defaultMetrics: false });
}

describe('hot-path metrics counted without prom-client per call', () => {
  it('scrapes the exact counts, buckets and sums of a known sequence of calls', async () => {
    const metrics = newMetrics();
    metrics.callEnded('pricing', 'success', 5); // exactly on the 0.005 bound
    metrics.callEnded('inventory', 'UPSTREAM_TIMEOUT', 450);
    metrics.callEnded('pricing', 'success', 30);
    metrics.callEnded('pricing', 'success', 3_000); // past the last bucket: +Inf only
    metrics.callEnded('inventory', 'CIRCUIT_OPEN', 0);
    metrics.requestFinished('Product', 'ok', 12);
    metrics.requestFinished('Product', 'partial', 7_000);

    const lines = hotFamilies(await metrics.scrape());
    expect(lines).toEqual([
      '# HELP ballast_upstream_requests_total Upstream calls (retries included in one call) by source and outcome',
      '# TYPE ballast_upstream_requests_total counter',
      'ballast_upstream_requests_total{source="pricing",outcome="success"} 3',
      'ballast_upstream_requests_total{source="inventory",outcome="timeout"} 1',
      'ballast_upstream_requests_total{source="inventory",outcome="circuit_open"} 1',
      '# HELP ballast_upstream_request_duration_seconds Duration of upstream calls, retries and backoff included',
      '# TYPE ballast_upstream_request_duration_seconds histogram',
      'ballast_upstream_request_duration_seconds_bucket{le="0.005",source="pricing",outcome="success"} 1',
      'ballast_upstream_request_duration_seconds_bucket{le="0.01",source="pricing",outcome="success"} 1',
      'ballast_upstream_request_duration_seconds_bucket{le="0.025",source="pricing",outcome="success"} 1',
      'ballast_upstream_request_duration_seconds_bucket{le="0.05",source="pricing",outcome="success"} 2',
      'ballast_upstream_request_duration_seconds_bucket{le="0.1",source="pricing",outcome="success"} 2',
      'ballast_upstream_request_duration_seconds_bucket{le="0.25",source="pricing",outcome="success"} 2',
      'ballast_upstream_request_duration_seconds_bucket{le="0.5",source="pricing",outcome="success"} 2',
      'ballast_upstream_request_duration_seconds_bucket{le="1",source="pricing",outcome="success"} 2',
      'ballast_upstream_request_duration_seconds_bucket{le="2.5",source="pricing",outcome="success"} 2',
      'ballast_upstream_request_duration_seconds_bucket{le="+Inf",source="pricing",outcome="success"} 3',
      'ballast_upstream_request_duration_seconds_sum{source="pricing",outcome="success"} 3.035',
      'ballast_upstream_request_duration_seconds_count{source="pricing",outcome="success"} 3',
      'ballast_upstream_request_duration_seconds_bucket{le="0.005",source="inventory",outcome="timeout"} 0',
      'ballast_upstream_request_duration_seconds_bucket{le="0.01",source="inventory",outcome="timeout"} 0',
      'ballast_upstream_request_duration_seconds_bucket{le="0.025",source="inventory",outcome="timeout"} 0',
      'ballast_upstream_request_duration_seconds_bucket{le="0.05",source="inventory",outcome="timeout"} 0',
      'ballast_upstream_request_duration_seconds_bucket{le="0.1",source="inventory",outcome="timeout"} 0',
      'ballast_upstream_request_duration_seconds_bucket{le="0.25",source="inventory",outcome="timeout"} 0',
      'ballast_upstream_request_duration_seconds_bucket{le="0.5",source="inventory",outcome="timeout"} 1',
      'ballast_upstream_request_duration_seconds_bucket{le="1",source="inventory",outcome="timeout"} 1',
      'ballast_upstream_request_duration_seconds_bucket{le="2.5",source="inventory",outcome="timeout"} 1',
      'ballast_upstream_request_duration_seconds_bucket{le="+Inf",source="inventory",outcome="timeout"} 1',
      'ballast_upstream_request_duration_seconds_sum{source="inventory",outcome="timeout"} 0.45',
      'ballast_upstream_request_duration_seconds_count{source="inventory",outcome="timeout"} 1',
      'ballast_upstream_request_duration_seconds_bucket{le="0.005",source="inventory",outcome="circuit_open"} 1',
      'ballast_upstream_request_duration_seconds_bucket{le="0.01",source="inventory",outcome="circuit_open"} 1',
      'ballast_upstream_request_duration_seconds_bucket{le="0.025",source="inventory",outcome="circuit_open"} 1',
      'ballast_upstream_request_duration_seconds_bucket{le="0.05",source="inventory",outcome="circuit_open"} 1',
      'ballast_upstream_request_duration_seconds_bucket{le="0.1",source="inventory",outcome="circuit_open"} 1',
      'ballast_upstream_request_duration_seconds_bucket{le="0.25",source="inventory",outcome="circuit_open"} 1',
      'ballast_upstream_request_duration_seconds_bucket{le="0.5",source="inventory",outcome="circuit_open"} 1',
      'ballast_upstream_request_duration_seconds_bucket{le="1",source="inventory",outcome="circuit_open"} 1',
      'ballast_upstream_request_duration_seconds_bucket{le="2.5",source="inventory",outcome="circuit_open"} 1',
      'ballast_upstream_request_duration_seconds_bucket{le="+Inf",source="inventory",outcome="circuit_open"} 1',
      'ballast_upstream_request_duration_seconds_sum{source="inventory",outcome="circuit_open"} 0',
      'ballast_upstream_request_duration_seconds_count{source="inventory",outcome="circuit_open"} 1',
      '# HELP ballast_graphql_requests_total GraphQL requests by operation name and result',
      '# TYPE ballast_graphql_requests_total counter',
      'ballast_graphql_requests_total{operation="Product",result="ok"} 1',
      'ballast_graphql_requests_total{operation="Product",result="partial"} 1',
      '# HELP ballast_graphql_request_duration_seconds GraphQL request duration by operation name and result',
      '# TYPE ballast_graphql_request_duration_seconds histogram',
      ...GRAPHQL_BUCKETS.map((bound) => `ballast_graphql_request_duration_seconds_bucket{le="${bound}",operation="Product",result="ok"} ${bound >= 0.025 ? 1 : 0}`),
      'ballast_graphql_request_duration_seconds_bucket{le="+Inf",operation="Product",result="ok"} 1',
      'ballast_graphql_request_duration_seconds_sum{operation="Product",result="ok"} 0.012',
      'ballast_graphql_request_duration_seconds_count{operation="Product",result="ok"} 1',
      ...GRAPHQL_BUCKETS.map((bound) => `ballast_graphql_request_duration_seconds_bucket{le="${bound}",operation="Product",result="partial"} 0`),
      'ballast_graphql_request_duration_seconds_bucket{le="+Inf",operation="Product",result="partial"} 1',
      'ballast_graphql_request_duration_seconds_sum{operation="Product",result="partial"} 7',
      'ballast_graphql_request_duration_seconds_count{operation="Product",result="partial"} 1',
    ]);
  });

  it('prints what prom-client fed call by call prints, text and JSON, across scrapes', async () => {
    const metrics = newMetrics();
    const reference = referenceRegistry();
    const sources = ['catalog', 'pricing', 'inventory'];
    const outcomes: CallOutcome[] = ['success', 'success', 'UPSTREAM_TIMEOUT', 'UPSTREAM_UNAVAILABLE', 'cancelled'];
    const results: RequestResult[] = ['ok', 'partial', 'error'];
    // A fixed, irregular sequence: latencies with fractions, on and off the bucket bounds.
    for (let round = 0; round < 2; round++) {
      for (let index = 0; index < 400; index++) {
        const source = sources[(index * 7) % 3]!;
        const outcome = outcomes[(index * 11 + round) % outcomes.length]!;
        const latencyMs = ((index * 37) % 3_100) + (index % 9) / 7;
        metrics.callEnded(source, outcome, latencyMs);
        reference.callEnded(source, outcome, latencyMs);
        if (index % 4 === 0) {
          const operation = `Op${index % 5}`;
          const result = results[index % 3]!;
          metrics.requestFinished(operation, result, latencyMs * 2);
          reference.requestFinished(operation, result, latencyMs * 2);
        }
      }
      // Every scrape shows the totals so far, not what came since the last one.
      expect(hotFamilies(await metrics.scrape())).toEqual(hotFamilies(await reference.registry.metrics()));
    }
    // The cluster primary aggregates the workers' JSON (prom-client's get()), not their text.
    const json = (await metrics.registry.getMetricsAsJSON()).filter((metric) => FAMILIES.includes(metric.name));
    expect(json).toEqual(await reference.registry.getMetricsAsJSON());
    expect(json.find((metric) => metric.name === 'ballast_upstream_requests_total')?.values.reduce((sum, value) => sum + value.value, 0)).toBe(800);
  });

  it('ignores a duration that is not a number instead of poisoning the sum', async () => {
    const metrics = newMetrics();
    metrics.callEnded('pricing', 'success', 20);
    metrics.callEnded('pricing', 'success', Number.NaN);
    const lines = hotFamilies(await metrics.scrape());
    expect(lines).toContain('ballast_upstream_requests_total{source="pricing",outcome="success"} 1');
    expect(lines).toContain('ballast_upstream_request_duration_seconds_sum{source="pricing",outcome="success"} 0.02');
  });
});
