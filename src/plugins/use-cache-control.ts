import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { BallastConfig } from '../config-schema.js';
import type { BallastContext } from '../context.js';
import { documentCachePolicy } from './cache-policy.js';
import type { DocumentCachePolicy } from './cache-policy.js';

/**
 * Kept per request in a WeakMap keyed by the request, so it must never reference that request
 * (not even through the context): a value that reaches its own key keeps both alive through every
 * scavenge, and each request's whole context was promoted to the old generation until the next
 * full GC (bench/README.md § "Sixth session: what is promoted").
 */
interface ExecutedOperation {
  degradation: BallastContext['degradation'];
  policy: DocumentCachePolicy;
  isQuery: boolean;
  /** No errors and no incremental delivery (later payloads could still degrade). */
  complete: boolean;
}

/** The slice of the config Cache-Control reads (its max ages, the identity header that makes a request personal, the forwarded headers). */
export type CacheControlConfig = Pick<BallastConfig, 'cacheControl' | 'identity' | 'sources'>;

/** Forwarded for tracing only, never to choose an answer (docs/architecture.md § Contract: the upstream REST services). */
const TRACING_HEADERS = ['x-request-id', 'traceparent'];

/**
 * `Vary` of a public answer: content negotiation, and every client header any source is sent
 * (`forwardHeaders`), since a source may answer by it (a price list, a tenant) and a shared cache
 * must then keep one answer per value. Over every source, not per request: a constant built once,
 * no work per request (bench/README.md); a query that called fewer sources only varies more than
 * it needs. Personal headers are left out: a request carrying one is never public.
 */
function varyOf(config: CacheControlConfig, personalHeaders: string[]): string {
  const names = new Set(['accept', 'accept-language']);
  const forwarded = Object.values(config.sources).flatMap((policy) => policy.forwardHeaders);
  const extra = [...new Set(forwarded)].filter((name) => !names.has(name) && !TRACING_HEADERS.includes(name) && !personalHeaders.includes(name)).sort();
  return ['Accept', 'Accept-Language', ...extra].join(', ');
}

/**
 * Cache-Control on GraphQL responses (docs/clients.md, "Cacheable GETs"): `public, max-age=N` only
 * for a GET query whose every field is public and healthy, N from its least-fresh field;
 * `private, no-store` for anything personal; `no-store` for everything else.
 */
export function useCacheControl(config: CacheControlConfig): Plugin<BallastContext> {
  const maxAges = config.cacheControl.maxAgeSeconds;
  const personalHeaders = ['authorization', 'cookie', ...(config.identity.mode === 'header' ? [config.identity.header] : [])];
  const vary = varyOf(config, personalHeaders);
  const executed = new WeakMap<Request, ExecutedOperation>();
  return {
    onExecute({ args }) {
      const operation: ExecutedOperation = {
        degradation: args.contextValue.degradation,
        policy: documentCachePolicy(args.schema, args.document, maxAges),
        isQuery: getOperationAST(args.document, args.operationName)?.operation === 'query',
        complete: false,
      };
      executed.set(args.contextValue.request, operation);
      return {
        onExecuteDone({ result }) {
          operation.complete = !(Symbol.asyncIterator in result) && !result.errors?.length;
        },
      };
    },
    onResponse({ request, response }) {
      const operation = executed.get(request);
      // Deleted at once: an entry left for the GC to clear costs every scavenge ephemeron work (bench/README.md § "Seventh session: per-request CPU").
      executed.delete(request);
      // Health, metrics and the dashboard set their own headers; GraphiQL's page is not an answer.
      if (!operation && (new URL(request.url).pathname !== '/graphql' || response.headers.get('content-type')?.includes('text/html'))) return;
      response.headers.set('cache-control', cacheControlOf(request, operation, personalHeaders));
      if (response.headers.get('cache-control')?.startsWith('public')) response.headers.append('vary', vary);
    },
  };
}

function cacheControlOf(request: Request, operation: ExecutedOperation | undefined, personalHeaders: string[]): string {
  if (personalHeaders.some((name) => request.headers.has(name)) || operation?.policy.personal) return 'private, no-store';
  if (request.method !== 'GET' || !operation?.isQuery || !operation.complete) return 'no-store';
  if (operation.degradation.reported.length > 0 || operation.policy.maxAgeSeconds === 0) return 'no-store';
  return `public, max-age=${operation.policy.maxAgeSeconds}`;
}
