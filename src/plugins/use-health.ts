import type { Plugin } from 'graphql-yoga';
import type { SourceName } from '../config-schema.js';
import type { GatewayState } from '../gateway-state.js';
import { json } from './respond.js';

/**
 * `/health`: the process is alive. `/ready`: it should get traffic — not while draining for
 * shutdown, nor while the breaker of a source marked `critical` is open. Both list every source.
 */
export function useHealth(state: GatewayState): Plugin {
  return {
    onRequest({ request, url, endResponse }) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      if (url.pathname === '/health') endResponse(json({ status: 'ok', pid: process.pid }));
      else if (url.pathname === '/ready') endResponse(readiness(state));
    },
  };
}

function readiness(state: GatewayState): Response {
  const sources = Object.fromEntries(
    Object.entries(state.sources.pipelines).map(([name, pipeline]) => [
      name,
      { state: pipeline.breaker?.state ?? 'DISABLED', critical: state.config.sources[name as SourceName].critical },
    ]),
  );
  const blocking = Object.entries(sources)
    .filter(([, source]) => source.critical && source.state === 'OPEN')
    .map(([name]) => name);
  const ready = !state.draining && blocking.length === 0;
  const reasons = [...(state.draining ? ['draining'] : []), ...blocking.map((name) => `${name} breaker open`)];
  return json({ ready, reasons, sources }, ready ? 200 : 503);
}
