import { createHash } from 'node:crypto';
import { createGraphQLError } from 'graphql-yoga';
import type { Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import type { BallastConfig } from '../config-schema.js';

/** The slice of the config automatic persisted queries read. */
export type PersistedQueriesConfig = Pick<BallastConfig, 'apq' | 'trustedDocuments'>;

/**
 * Automatic persisted queries, Apollo's protocol (docs/clients.md): a client sends only
 * `extensions.persistedQuery.sha256Hash`; on `PersistedQueryNotFound` it sends the query with the
 * hash once, and Ballast remembers it. Only documents that pass validation are remembered, in an
 * LRU bounded by entries and characters. While trusted documents are enforced this plugin is off:
 * only manifest documents run, and nothing a client sends can add to them.
 * (Own code rather than @graphql-yoga/plugin-apq, whose peer range excludes our @graphql-tools/utils 11.)
 */
export function useAutomaticPersistedQueries(config: PersistedQueriesConfig): Plugin[] {
  const { apq, trustedDocuments } = config;
  const trustedOnly = trustedDocuments.manifest !== undefined && !trustedDocuments.allowArbitraryOperations;
  if (!apq.enabled || trustedOnly) return [];
  // With a manifest, a hash this store does not know may still be a trusted document: let that plugin answer.
  const missesGoOn = trustedDocuments.manifest !== undefined;
  const store = new LRUCache<string, string>({ max: apq.maxEntries, maxSize: apq.maxBytes, sizeCalculation: (query) => Math.max(1, query.length) });
  const toRegister = new WeakMap<Request, { hash: string; query: string }>();
  return [
    {
      onParams({ params, request, setParams }) {
        const hash = persistedQueryHash(params.extensions);
        if (hash === null) return;
        if (typeof params.query !== 'string') {
          const query = store.get(hash);
          if (query !== undefined) setParams({ ...params, query });
          else if (!missesGoOn) throw notFound();
          return;
        }
        if (sha256(params.query) !== hash) {
          throw createGraphQLError('PersistedQueryMismatch', { extensions: { code: 'PERSISTED_QUERY_MISMATCH', http: { status: 400 } } });
        }
        toRegister.set(request, { hash, query: params.query });
      },
      onValidate({ context }) {
        const pending = toRegister.get((context as { request: Request }).request);
        if (!pending) return undefined;
        return ({ valid }) => {
          if (valid) store.set(pending.hash, pending.query);
        };
      },
    },
  ];
}

/** The sha256 hash of a version-1 `persistedQuery` extension, or null when the request has none. */
function persistedQueryHash(extensions: Record<string, unknown> | undefined): string | null {
  const persisted = extensions?.persistedQuery as { version?: unknown; sha256Hash?: unknown } | undefined;
  if (typeof persisted !== 'object' || persisted === null || persisted.version !== 1 || typeof persisted.sha256Hash !== 'string') return null;
  return persisted.sha256Hash;
}

function notFound() {
  // The message is what Apollo Client's persisted-query link looks for before it retries with the query.
  return createGraphQLError('PersistedQueryNotFound', { extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', http: { status: 404 } } });
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
