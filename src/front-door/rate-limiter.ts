import { LRUCache } from 'lru-cache';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** The decision on one request: allowed, or refused with the seconds until a token is back. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Token buckets per client key: `burst` requests at once, refilled at `requestsPerSecond`. Only
 * `maxClients` buckets are kept (least recently seen dropped first), so a flood of new addresses
 * costs bounded memory; a forgotten client simply starts again with a full bucket.
 */
export class RateLimiter {
  readonly #buckets: LRUCache<string, Bucket>;

  constructor(
    private readonly requestsPerSecond: number,
    private readonly burst: number,
    maxClients: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.#buckets = new LRUCache({ max: maxClients });
  }

  get trackedClients(): number {
    return this.#buckets.size;
  }

  take(key: string): RateDecision {
    const now = this.now();
    const bucket = this.#buckets.get(key) ?? { tokens: this.burst, updatedAt: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.requestsPerSecond);
    bucket.updatedAt = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.requestsPerSecond)) };
  }
}
