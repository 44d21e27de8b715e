import type { BallastConfig, SourceName, SourcePolicy } from './config-schema.js';

type PolicyDefaults = Omit<SourcePolicy, 'url'>;

const BASE_POLICY: PolicyDefaults = {
  timeoutMs: 1000,
  attemptTimeoutMs: 450,
  maxBatchSize: 100,
  maxStaleMs: 300_000,
  staleMaxEntries: 10_000,
  connections: 32,
  critical: false,
  retry: { maxAttempts: 3, baseDelayMs: 25, maxDelayMs: 250, budgetRatio: 0.2, budgetMinPerSecond: 1 },
  breaker: { enabled: true, errorThresholdPercentage: 50, volumeThreshold: 10, windowMs: 10_000, resetTimeoutMs: 5_000 },
  bulkhead: { maxConcurrent: 64, maxQueue: 64 },
  forwardHeaders: ['authorization', 'accept-language', 'x-request-id', 'traceparent'],
};

/** Sources whose data the page cannot do without are `critical`: an open breaker there makes /ready fail. */
const SOURCE_OVERRIDES: Record<SourceName, Partial<PolicyDefaults>> = {
  catalog: { critical: true },
  inventory: {},
  pricing: {},
  cart: {},
  favorites: {},
};

/** The code defaults; a config file and the environment override them key by key. */
export function defaultConfig(): BallastConfig {
  const sources = Object.fromEntries(
    Object.entries(SOURCE_OVERRIDES).map(([name, override]) => [name, structuredClone({ ...BASE_POLICY, ...override })]),
  ) as Record<SourceName, SourcePolicy>;
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
    },
    identity: {
      mode: 'none',
      header: 'x-user-id',
      jwt: { algorithms: ['RS256', 'ES256', 'HS256'], userClaim: 'sub' },
    },
    trustedDocuments: { allowArbitraryOperations: false },
  };
}
