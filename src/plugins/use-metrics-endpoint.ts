import type { Plugin } from 'graphql-yoga';
import { pluginRoutePath } from '../front-door/route-path.js';
import type { GatewayState } from '../gateway-state.js';
import { text } from './respond.js';

/** What the metrics endpoint reads: this process's registry, and the fleet's in a cluster. */
export type MetricsEndpointState = Pick<GatewayState, 'telemetry' | 'fleet'>;

/** Prometheus text exposition at `/metrics`; in a cluster, every worker's metrics aggregated by the primary. */
export function useMetricsEndpoint(state: MetricsEndpointState, path = '/metrics'): Plugin {
  const metrics = state.telemetry.metrics;
  return {
    // Not async, and the method before the path: every other request passes without a promise
    // (which would send the rest of Yoga's hooks through the microtask queue) or a URL parse.
    // The path as the listeners judge it (src/front-door/route-path.ts), not Yoga's `url`.
    onRequest({ request, serverContext, endResponse }) {
      if (request.method !== 'GET' || pluginRoutePath(request, serverContext) !== path) return undefined;
      return (state.fleet ? state.fleet.metrics() : metrics.scrape()).then((body) => endResponse(text(body, metrics.registry.contentType)));
    },
  };
}
