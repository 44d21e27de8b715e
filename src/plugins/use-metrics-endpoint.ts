import type { Plugin } from 'graphql-yoga';
import type { Telemetry } from '../observability/telemetry.js';
import { text } from './respond.js';

/** Prometheus text exposition at `/metrics`. */
export function useMetricsEndpoint(telemetry: Telemetry, path = '/metrics'): Plugin {
  return {
    async onRequest({ request, url, endResponse }) {
      if (url.pathname !== path || request.method !== 'GET') return;
      endResponse(text(await telemetry.metrics.scrape(), telemetry.metrics.registry.contentType));
    },
  };
}
