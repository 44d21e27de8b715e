import type { Plugin } from 'graphql-yoga';
import type { BallastConfig, SourceName } from '../config-schema.js';
import { pluginRoutePath } from '../front-door/route-path.js';
import type { GatewayState } from '../gateway-state.js';
import { redactUrl } from '../redact.js';
import { json } from './respond.js';

/** What health and readiness read about the running gateway: breakers, source policies, draining. */
export type HealthState = Pick<GatewayState, 'sources' | 'draining'> & { config: Pick<BallastConfig, 'sources'> };

/**
 * `/ready`: this process should get traffic — it is started and not draining. It never looks at
 * an upstream: every replica shares them, so a broken dependency would take the whole fleet out
 * of the load balancer at once (docs/operations.md, "Health and readiness").
 * `/health`: the process is alive (always 200 while it runs), with every source's breaker state;
 * `status` is "degraded" while the breaker of a `critical` source is open.
 */
export function useHealth(state: HealthState): Plugin {
  return {
    onRequest({ request, serverContext, endResponse }) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      // The path as the listeners judge it (src/front-door/route-path.ts), not Yoga's `url`.
      const path = pluginRoutePath(request, serverContext);
      if (path === '/health') endResponse(health(state));
      else if (path === '/ready') endResponse(readiness(state));
    },
  };
}

function health(state: HealthState): Response {
  const sources = Object.fromEntries(
    Object.entries(state.sources.pipelines).map(([name, pipeline]) => {
      const policy = state.config.sources[name as SourceName];
      return [name, { state: pipeline.breaker?.state ?? 'DISABLED', critical: policy.critical, url: policy.url === undefined ? null : redactUrl(policy.url) }];
    }),
  );
  const criticalOpen = Object.entries(sources)
    .filter(([, source]) => source.critical && source.state === 'OPEN')
    .map(([name]) => name);
  return json({ status: criticalOpen.length ? 'degraded' : 'ok', pid: process.pid, criticalOpen, sources });
}

function readiness(state: HealthState): Response {
  const ready = !state.draining;
  return json({ ready, reasons: state.draining ? ['draining'] : [], pid: process.pid }, ready ? 200 : 503);
}
