import { z } from 'zod';

import { isHttpUrl } from './http/http-url.js';
import { sourcePolicySchema } from './resilience/policy.js';
import type { SourceName } from './sources/names.js';
import { ALL_SOURCE_NAMES } from './declared/names.js';

// A source's policy lives in src/resilience/policy.ts, the names in src/sources/names.ts; re-exported
// here so the config keeps one entry point.
export type { SourceName } from './sources/names.js';
export { SOURCE_NAMES } from './sources/names.js';
export type { SourcePolicy } from './resilience/policy.js';
export { breakerSchema, bulkheadSchema, retrySchema, sourcePolicySchema } from './resilience/policy.js';
export { NEVER_FORWARDED } from './http/header-policy.js';
export { isHttpUrl } from './http/http-url.js';

const ms = z.number().int().nonnegative();
/** Node fires a longer timer after 1 ms (TimeoutOverflowWarning): a call would then re-arm its timer every millisecond. */
const MAX_TIMER_MS = 2_147_483_647;
const positiveMs = z.number().int().positive().max(MAX_TIMER_MS);

const httpUrl = z.string().refine(isHttpUrl, { message: 'must be an absolute http:// or https:// URL' });

/** Per-client token bucket (docs/security.md); requestsPerSecond 0 turns it off. */
export const rateLimitSchema = z.strictObject({
  requestsPerSecond: z.number().min(0),
  burst: z.number().int().min(1),
  /** Clients remembered at once (least recently seen forgotten first, so memory stays bounded). */
  maxClients: z.number().int().min(1).max(10_000_000),
  /** Take the client address from the last X-Forwarded-For entry (one trusted proxy in front). */
  trustProxy: z.boolean(),
});

export const securitySchema = z.strictObject({
  maxDepth: z.number().int().min(1),
  maxAliases: z.number().int().min(0),
  maxDirectives: z.number().int().min(0),
  maxTokens: z.number().int().min(1),
  maxCost: z.number().int().min(1),
  maxDocumentChars: z.number().int().min(1),
  maxBodyBytes: z.number().int().min(1),
  /** Operations allowed in one batched request; 0 turns batching off. */
  batchLimit: z.number().int().min(0).max(100),
  /** null: on in development, off in production. */
  introspection: z.boolean().nullable(),
  /** null: on in development, off in production. */
  graphiql: z.boolean().nullable(),
  csrfPrevention: z.boolean(),
  /** Origins allowed to call from a browser (CORS, with credentials). Empty: same-origin only in production, any origin without credentials in development. */
  corsOrigins: z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'must be an origin like https://shop.example.com')),
  /** HMAC key of pagination cursors; unset: a random key per process (replicas must share one). */
  cursorSecret: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Items Ballast takes from one list in an upstream answer (cart lines, favorite ids). */
  maxListItems: z.number().int().min(1),
  /** Upstream calls one request may make to one source. */
  maxCallsPerSource: z.number().int().min(1),
  rateLimit: rateLimitSchema,
});

export const identitySchema = z.strictObject({
  mode: z.enum(['none', 'jwt', 'header']),
  /** Header set by the trusted API gateway in front, for mode "header". */
  header: z.string().regex(/^[a-z0-9-]+$/, 'must be a lower-case header name'),
  jwt: z.strictObject({
    /** HS256 shared secret. */
    secret: z.string().min(32, 'must be at least 32 characters').optional(),
    /** PEM public key (RS256 / ES256). */
    publicKey: z.string().optional(),
    /** JWKS endpoint of the identity provider. */
    jwksUrl: httpUrl.optional(),
    issuer: z.string().optional(),
    audience: z.string().optional(),
    algorithms: z.array(z.enum(['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256'])).min(1),
    /** Claim holding the user id. */
    userClaim: z.string().min(1),
    /** Longest wait for the JWKS endpoint (also bounded by the request's deadline). */
    jwksTimeoutMs: z.number().int().min(1).max(10_000),
    /** After a JWKS fetch (or a failed one), the endpoint is not asked again for this long. */
    jwksCooldownMs: z.number().int().min(0),
    /** Refuse tokens without an `exp` claim. */
    requireExp: z.boolean(),
  }),
});

export const trustedDocumentsSchema = z.strictObject({
  /** Path of a persisted-documents JSON (hash → document), as graphql-codegen's client preset writes it. */
  manifest: z.string().optional(),
  /** Also accept documents not in the manifest (a migration aid; off means trusted documents only). */
  allowArbitraryOperations: z.boolean(),
});

export const apqSchema = z.strictObject({
  /** Automatic persisted queries (Apollo's hash-first protocol); never registers documents while trusted documents are enforced. */
  enabled: z.boolean(),
  /** Documents the APQ store keeps (least recently used go first). */
  maxEntries: z.number().int().min(1),
  /** Total characters of the documents the APQ store keeps. */
  maxBytes: z.number().int().min(1),
});

export const cacheControlSchema = z.strictObject({
  /** Cache-Control on GET query responses; off: no Cache-Control header at all. */
  enabled: z.boolean(),
  /** `Type.field` → seconds its data may be cached publicly; a response gets the smallest of its fields'. Root fields not listed are personal. */
  maxAgeSeconds: z.record(z.string().regex(/^[A-Z]\w*\.\w+$/, 'keys look like Type.field'), z.number().int().min(0)),
});

/** Node's HTTP server limits and admission control of the public listener (docs/security.md). */
export const serverSchema = z.strictObject({
  /** Time a client gets to send all request headers (slowloris); Node answers 408 and closes. */
  headersTimeoutMs: positiveMs,
  /** Time a client gets to send the whole request, headers and body; Node answers 408 and closes. */
  requestTimeoutMs: positiveMs,
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs: positiveMs,
  /** A socket with no bytes either way for this long is destroyed. */
  idleTimeoutMs: positiveMs,
  /** Request header lines accepted; the rest are dropped by Node. */
  maxHeadersCount: z.number().int().min(1).max(2000),
  /**
   * Connections the kernel completes and holds for the listener while the event loop is busy; past
   * it, new connections are dropped and their clients retry after 1 s or more. Capped by the host's
   * `net.core.somaxconn`.
   */
  listenBacklog: z.number().int().min(1).max(65_535),
  /** Requests handled at once by one process; more are refused 503 OVERLOADED at once. */
  maxInFlight: z.number().int().min(1),
  /** Lower the in-flight limit to completions/s × half the deadline while requests take longer than that. */
  adaptiveLimit: z.boolean(),
  /** Refuse new requests (503 OVERLOADED) while the event loop lags more than this; 0 turns it off. */
  maxEventLoopDelayMs: ms,
  /** `Retry-After` (seconds) on an OVERLOADED refusal. */
  overloadRetryAfterSeconds: z.number().int().min(1).max(3600),
  /** CoDel-like shedding while the CPU is saturated and every request queues longer than a fraction of the deadline. */
  queueShedding: z.strictObject({
    enabled: z.boolean(),
    /** The queue-delay target as a fraction of `deadlineMs`. */
    targetFraction: z.number().gt(0).max(1),
    /** How often the rule is evaluated (the minimum delay is taken over one interval). */
    intervalMs: positiveMs,
    /** Event-loop utilisation (0–1) below which nothing is shed: slowness is then upstream, not a queue. */
    minUtilisation: z.number().min(0).max(1),
  }),
  /** Refuse a request the CPU work queued ahead of it would make miss its deadline; date its clock from before Node read it. */
  deadlineAdmission: z.strictObject({
    enabled: z.boolean(),
    /** Share of `deadlineMs` the CPU work queued ahead of a new request may take; the rest is left for upstream waits. */
    budgetFraction: z.number().gt(0).max(1),
    /** Event-loop utilisation (0–1) below which nothing is shed or reserved: the process has CPU to spare. */
    minUtilisation: z.number().min(0).max(1),
    /** CPU ms per request assumed until the process measured its own (its first completions): a fresh process then refuses a cold step too. 0: none. */
    coldCostMs: z.number().min(0),
  }),
}).refine((server) => server.headersTimeoutMs <= server.requestTimeoutMs, { message: 'headersTimeoutMs must not exceed requestTimeoutMs', path: ['headersTimeoutMs'] });

/** Separate listener for /health, /ready and /metrics; port null serves them on the public port. */
export const opsSchema = z.strictObject({
  port: z.number().int().min(0).max(65535).nullable(),
  host: z.string().min(1),
});

export const configSchema = z.strictObject({
  port: z.number().int().min(0).max(65535),
  host: z.string().min(1),
  mode: z.enum(['development', 'production']),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  deadlineMs: positiveMs,
  /** Per-field timeouts, `Type.field` → ms, overriding `@timeout` in the SDL. */
  fieldTimeouts: z.record(z.string().regex(/^[A-Z]\w*\.\w+$/, 'keys look like Type.field'), positiveMs),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code like USD'),
  sources: z.strictObject(
    // Declared sources (`@rest` in the SDL) join the coded ones by name: docs/adding-a-data-source.md.
    Object.fromEntries(ALL_SOURCE_NAMES.map((name) => [name, sourcePolicySchema])) as Record<SourceName, typeof sourcePolicySchema>,
  ),
  security: securitySchema,
  identity: identitySchema,
  trustedDocuments: trustedDocumentsSchema,
  apq: apqSchema,
  cacheControl: cacheControlSchema,
  server: serverSchema,
  ops: opsSchema,
  redis: z.strictObject({
    /** With a URL, the stale cache is shared fleet-wide through Redis; without, memory only. */
    url: z.string().regex(/^rediss?:\/\/[^\s]+$/, 'must be a redis:// or rediss:// URL').nullable(),
    keyPrefix: z.string().min(1),
    timeoutMs: z.number().int().min(1).max(5000),
    maxValueBytes: z.number().int().min(1),
    writeIntervalMs: z.number().int().min(0),
  }),
  /** OpenTelemetry spans, exported only when OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT is set. */
  tracing: z.strictObject({
    /** Record the GraphQL document as `graphql.document` on request spans (variables never are). */
    graphqlDocument: z.boolean(),
  }),
  /** Mutations (docs/degradation.md, "Writes"). */
  writes: z.strictObject({
    /** Largest quantity `addToCart` may add and `updateCartLine` may set, in one mutation. */
    maxQuantity: z.number().int().min(1).max(1_000_000),
  }),
  /** Workers of one host (`--workers N`) without Redis share stale values through the primary. */
  cluster: z.strictObject({
    shareStaleValues: z.boolean(),
    /** A key is sent to the primary at most once per this many ms. */
    staleWriteIntervalMs: z.number().int().min(0),
    /** Longest a degraded field waits for the primary's copy of a value, in ms. */
    staleLookupTimeoutMs: z.number().int().min(1).max(1000),
    /** Memory the primary's copy may take (JSON bytes); the least recently used go first. */
    staleMaxBytes: z.number().int().min(1024),
  }),
}).superRefine((config, context) => {
  const jwt = config.identity.jwt;
  if (config.identity.mode === 'jwt' && !jwt.secret && !jwt.publicKey && !jwt.jwksUrl) {
    context.addIssue({ code: 'custom', path: ['identity', 'jwt'], message: 'identity.mode "jwt" needs one of secret, publicKey or jwksUrl' });
  }
  // One attempt can never outlast the whole call; a bigger value is a misunderstanding, not a policy.
  for (const name of ALL_SOURCE_NAMES as SourceName[]) {
    const { timeoutMs, attemptTimeoutMs } = config.sources[name];
    if (attemptTimeoutMs > timeoutMs) {
      context.addIssue({ code: 'custom', path: ['sources', name, 'attemptTimeoutMs'], message: `longer than sources.${name}.timeoutMs (${timeoutMs}); an attempt cannot outlast the whole call` });
    }
  }
});

export type BallastConfig = z.infer<typeof configSchema>;
