import { createServer } from 'node:http';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { BallastConfig } from '../config-schema.js';
import type { Admission } from './admission.js';
import { writeNotFound } from './refusal.js';
import { routePath } from './route-path.js';

/** Routes an operator needs: liveness, readiness, Prometheus. */
export const OPS_PATHS = new Set(['/health', '/ready', '/metrics']);

/** A Host header that is more than host[:port]. */
const HOST_WITH_PATH = /[/?#\\@]/;

type Handler = (request: IncomingMessage, response: ServerResponse) => unknown;

/**
 * A `node:http` server whose slow or idle clients are cut off in bounded time: headers within
 * `headersTimeoutMs`, the whole request within `requestTimeoutMs` (Node answers 408 and closes),
 * idle keep-alive connections after `keepAliveTimeoutMs`, silent sockets after `idleTimeoutMs`.
 */
export function createBoundedServer(limits: BallastConfig['server'], handler: Handler): Server {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // Node checks those two timeouts only this often (30 s by default): a quarter of the
      // shorter one keeps the cut within 25% of the configured bound.
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
      keepAliveTimeout: limits.keepAliveTimeoutMs,
    },
    handler as RequestListener,
  );
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxHeadersCount = limits.maxHeadersCount;
  // No 'timeout' listener: Node destroys a socket silent for this long.
  server.setTimeout(limits.idleTimeoutMs);
  return server;
}

/**
 * The public listener's handler: admission control first, then Yoga. With a separate ops
 * listener the ops routes are not served here (404), so they need not be public: judged by
 * `routePath`, the path the plugins that answer them route by (src/front-door/route-path.ts).
 */
export function publicHandler(yoga: Handler, admission: Admission, opsSeparate: boolean): Handler {
  return (request, response) => {
    if (opsSeparate && OPS_PATHS.has(routePath(request.url))) return writeNotFound(response);
    if (!admission.admit(request, response)) return;
    return yoga(request, response);
  };
}

/**
 * The ops listener's handler: only the ops routes, answered by the same Yoga plugins. A Host
 * header that is not a plain host[:port] is refused too: Yoga builds its own URL from it
 * (`http://<host><target>`), so `Host: x/graphql?` would route an ops path to GraphQL here.
 */
export function opsHandler(yoga: Handler): Handler {
  return (request, response) => (OPS_PATHS.has(routePath(request.url)) && !HOST_WITH_PATH.test(request.headers.host ?? '') ? yoga(request, response) : writeNotFound(response));
}
