import { z } from 'zod';

/** The upstream data sources Ballast knows. Adding one: see docs/adding-a-data-source.md. */
export const SOURCE_NAMES = ['catalog', 'inventory', 'pricing', 'cart', 'favorites'] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

const ms = z.number().int().nonnegative();
const positiveMs = z.number().int().positive();

const httpUrl = z.string().refine(isHttpUrl, { message: 'must be an absolute http:// or https:// URL' });

export const retrySchema = z.strictObject({
  maxAttempts: z.number().int().min(1).max(10),
  baseDelayMs: ms,
  maxDelayMs: ms,
  budgetRatio: z.number().min(0).max(1),
  budgetMinPerSecond: z.number().min(0),
});

export const breakerSchema = z.strictObject({
  enabled: z.boolean(),
  errorThresholdPercentage: z.number().gt(0).max(100),
  volumeThreshold: z.number().int().min(1),
  windowMs: positiveMs,
  resetTimeoutMs: positiveMs,
});

export const bulkheadSchema = z.strictObject({
  maxConcurrent: z.number().int().min(1),
  maxQueue: z.number().int().min(0),
});

export const sourcePolicySchema = z.strictObject({
  /** Base URL; absent means the embedded demo service. */
  url: httpUrl.optional(),
  timeoutMs: positiveMs,
  attemptTimeoutMs: positiveMs,
  maxBatchSize: z.number().int().min(1).max(1000),
  maxStaleMs: ms,
  staleMaxEntries: z.number().int().min(0),
  connections: z.number().int().min(1).max(1024),
  critical: z.boolean(),
  retry: retrySchema,
  breaker: breakerSchema,
  bulkhead: bulkheadSchema,
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
    Object.fromEntries(SOURCE_NAMES.map((name) => [name, sourcePolicySchema])) as Record<SourceName, typeof sourcePolicySchema>,
  ),
});

export type BallastConfig = z.infer<typeof configSchema>;
export type SourcePolicy = z.infer<typeof sourcePolicySchema>;

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
