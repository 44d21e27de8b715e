import type { Plugin } from 'graphql-yoga';
import type { GatewayState } from '../gateway-state.js';
import { text } from './respond.js';

/** What the metrics endpoint reads: this process's registry, and the fleet's in a cluster. */
export type MetricsEndpointState = Pick<GatewayState, 'telemetry' | 'fleet'>;

/** Prometheus text exposition at `/metrics`; in a cluster, every worker's metrics aggregated by the primary. */
export function useMetricsEndpoint(state: MetricsEndpointState, path = '/metrics'): Plugin {
  const metrics = state.telemetry.metrics;
  return {
    async onRequest({ request, url, endResponse }) {
      if (url.pathname !== path || request.method !== 'GET') return;
      const body = state.fleet ? await state.fleet.metrics() : await metrics.scrape();
      endResponse(text(body, metrics.registry.contentType));
    },
  };
}
