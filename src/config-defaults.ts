import type { BallastConfig, SourceName, SourcePolicy } from './config-schema.js';
import { policyWithOverrides } from './resilience/policy.js';
import { SOURCES } from './sources/registry.js';
import { DECLARED_SOURCE_NAMES } from './declared/names.js';

/** The code defaults; a config file and the environment override them key by key. */
export function defaultConfig(): BallastConfig {
  const sources = Object.fromEntries(SOURCES.map((source) => [source.name, policyWithOverrides(source.policy)])) as Record<SourceName, SourcePolicy>;
  // Declared sources (`@rest` in the SDL) start from the plain defaults; config overrides them like any source.
  for (const name of DECLARED_SOURCE_NAMES) (sources as Record<string, SourcePolicy>)[name] = policyWithOverrides({});
  return {
    port: 4000,
    host: '0.0.0.0',
    mode: 'development',
    logLevel: 'info',
    deadlineMs: 2000,
    fieldTimeouts: {},
    currency: 'USD',
    sources,
    security: {
      maxDepth: 8,
      maxAliases: 15,
      maxDirectives: 50,
      maxTokens: 1000,
      maxCost: 25_000,
      maxDocumentChars: 20_000,
      maxBodyBytes: 1_048_576,
      batchLimit: 0,
      introspection: null,
      graphiql: null,
      csrfPrevention: true,
      corsOrigins: [],
      maxListItems: 500,
      maxCallsPerSource: 20,
      // Off: most deployments sit behind an API gateway that limits per key, and by address alone
      // every client behind one NAT or proxy would share a bucket (docs/security.md).
      rateLimit: { requestsPerSecond: 0, burst: 20, maxClients: 100_000, trustProxy: false },
    },
    identity: {
      mode: 'none',
      header: 'x-user-id',
      jwt: { algorithms: ['RS256', 'ES256', 'HS256'], userClaim: 'sub', jwksTimeoutMs: 1000, jwksCooldownMs: 5000, requireExp: true },
    },
    trustedDocuments: { allowArbitraryOperations: false },
    apq: { enabled: true, maxEntries: 1000, maxBytes: 4_194_304 },
    cacheControl: {
      enabled: true,
      // Catalog data changes rarely; prices and stock move faster (docs/clients.md).
      maxAgeSeconds: { 'Query.product': 60, 'Query.products': 60, 'Query.node': 60, 'Query.nodes': 60, 'Product.price': 10, 'Product.inventory': 5, 'Product.rating': 60 },
    },
    // requestTimeoutMs bounds the upload: a full maxBodyBytes body at ~1 Mbit/s fits in 10 s.
    server: {
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 15_000,
      keepAliveTimeoutMs: 5_000,
      idleTimeoutMs: 30_000,
      maxHeadersCount: 100,
      // Node's 511 overflowed under load (bench/README.md § "Twelfth session"): a dropped connection costs its client a 1 s SYN retry.
      listenBacklog: 4096,
      maxInFlight: 1024,
      adaptiveLimit: true,
      maxEventLoopDelayMs: 250,
      overloadRetryAfterSeconds: 1,
      // Off by default until measured on a quiet machine: on a busy host the utilisation gate also
      // saw slow-upstream waits as busy (docs/security.md). A quarter of the deadline leaves room
      // for the wait before Node reads the request and for the answer's write.
      queueShedding: { enabled: false, targetFraction: 0.25, intervalMs: 100, minUtilisation: 0.9 },
      // A quarter of the deadline for the wait behind the requests ahead (their mean, as measured):
      // under saturation the slowest answers took 4-8x the mean (bench/README.md, Overload).
      deadlineAdmission: { enabled: true, budgetFraction: 0.25, minUtilisation: 0.9, coldCostMs: 0 },
    },
    ops: { port: null, host: '127.0.0.1' },
    redis: { url: null, keyPrefix: 'ballast:stale:', timeoutMs: 100, maxValueBytes: 65_536, writeIntervalMs: 5_000 },
    tracing: { graphqlDocument: false },
    writes: { maxQuantity: 99 },
    cluster: { shareStaleValues: true, staleWriteIntervalMs: 1_000, staleLookupTimeoutMs: 50, staleMaxBytes: 67_108_864 },
  };
}
