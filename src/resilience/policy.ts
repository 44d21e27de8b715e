import { z } from 'zod';
import { NEVER_FORWARDED } from '../http/header-policy.js';
import { isHttpUrl } from '../http/http-url.js';

/**
 * A source's resilience policy, in one place: its schema, its type, the code defaults and how a
 * source's own overrides merge onto them. The primitives (bulkhead, breaker, retry) take their
 * slice of it. Order of precedence: these defaults < `defineSource({ policy })` < config file <
 * environment (docs/architecture.md § Resilience semantics).
 */

const ms = z.number().int().nonnegative();
const positiveMs = z.number().int().positive();

export const retrySchema = z.strictObject({
  /** Attempts in all, the first included; 1 disables retries. */
  maxAttempts: z.number().int().min(1).max(10),
  /** Backoff before the first retry, before jitter. */
  baseDelayMs: ms,
  /** Largest backoff before jitter. */
  maxDelayMs: ms,
  /** Retries allowed as a fraction of calls over the budget's window. */
  budgetRatio: z.number().min(0).max(1),
  /** Retries always allowed per second, so a quiet source can still retry. */
  budgetMinPerSecond: z.number().min(0),
});

export const breakerSchema = z.strictObject({
  enabled: z.boolean(),
  /** Error percentage over the window above which the breaker opens. */
  errorThresholdPercentage: z.number().gt(0).max(100),
  /** Calls in the window before the error percentage is trusted. */
  volumeThreshold: z.number().int().min(1),
  /** Length of the rolling window. */
  windowMs: positiveMs,
  /** How long the breaker stays open before letting one probe through. */
  resetTimeoutMs: positiveMs,
});

export const bulkheadSchema = z.strictObject({
  /** Calls a source may have in flight at once. */
  maxConcurrent: z.number().int().min(1),
  /** Calls that may wait for a free slot; beyond this they are refused at once. */
  maxQueue: z.number().int().min(0),
});

const forwardableHeader = z
  .string()
  .regex(/^[a-z0-9!#$%&'*+.^_`|~-]+$/, 'must be a lower-case header name')
  .refine((name) => !(NEVER_FORWARDED as readonly string[]).includes(name), { message: 'hop-by-hop and framing headers are never forwarded' });

const httpUrl = z.string().refine(isHttpUrl, { message: 'must be an absolute http:// or https:// URL' });

export const sourcePolicySchema = z.strictObject({
  /** Base URL; absent means the embedded demo service. */
  url: httpUrl.optional(),
  timeoutMs: positiveMs,
  attemptTimeoutMs: positiveMs,
  maxBatchSize: z.number().int().min(1).max(1000),
  maxStaleMs: ms,
  staleMaxEntries: z.number().int().min(0),
  /** Approximate bytes each of the source's stale caches may hold. */
  staleMaxBytes: z.number().int().min(1024),
  connections: z.number().int().min(1).max(1024),
  critical: z.boolean(),
  retry: retrySchema,
  breaker: breakerSchema,
  bulkhead: bulkheadSchema,
  /** Client request headers sent on to this source; anything else stays at the gateway. */
  forwardHeaders: z.array(forwardableHeader),
});

export type SourcePolicy = z.infer<typeof sourcePolicySchema>;
export type RetryPolicy = SourcePolicy['retry'];
export type BreakerPolicy = SourcePolicy['breaker'];
export type BulkheadPolicy = SourcePolicy['bulkhead'];
/** Everything but the URL, which comes from config or the environment, never from code. */
export type PolicyDefaults = Omit<SourcePolicy, 'url'>;

/** Policy defaults a source may override in code; config and env still override these. */
export type PolicyOverrides = Partial<Omit<PolicyDefaults, 'retry' | 'breaker' | 'bulkhead'>> & {
  retry?: Partial<RetryPolicy>;
  breaker?: Partial<BreakerPolicy>;
  bulkhead?: Partial<BulkheadPolicy>;
};

/** The code defaults of every source (docs/configuration.md lists them). */
export const DEFAULT_SOURCE_POLICY: Readonly<PolicyDefaults> = {
  timeoutMs: 1000,
  attemptTimeoutMs: 450,
  maxBatchSize: 100,
  maxStaleMs: 300_000,
  staleMaxEntries: 10_000,
  staleMaxBytes: 16 * 1024 * 1024,
  connections: 32,
  critical: false,
  retry: { maxAttempts: 3, baseDelayMs: 25, maxDelayMs: 250, budgetRatio: 0.2, budgetMinPerSecond: 1 },
  breaker: { enabled: true, errorThresholdPercentage: 50, volumeThreshold: 10, windowMs: 10_000, resetTimeoutMs: 5_000 },
  bulkhead: { maxConcurrent: 64, maxQueue: 64 },
  forwardHeaders: ['authorization', 'accept-language', 'x-request-id', 'traceparent'],
};

/** The defaults with a source's own overrides on top, nested objects merged key by key; a fresh copy. */
export function policyWithOverrides(overrides: PolicyOverrides): PolicyDefaults {
  const base = DEFAULT_SOURCE_POLICY;
  return {
    ...base,
    ...overrides,
    retry: { ...base.retry, ...overrides.retry },
    breaker: { ...base.breaker, ...overrides.breaker },
    bulkhead: { ...base.bulkhead, ...overrides.bulkhead },
    forwardHeaders: [...(overrides.forwardHeaders ?? base.forwardHeaders)],
  };
}
