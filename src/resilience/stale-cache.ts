import { LRUCache } from 'lru-cache';

export interface StaleCacheOptions {
  /** How old a last known good value may be and still be served, in milliseconds; 0 disables. @default 300_000 */
  maxStaleMs: number;
  /** Keys kept per source; the least recently used go first. @default 10_000 */
  maxEntries: number;
}

interface Entry<V> {
  value: V;
  storedAt: number;
}

/** Last known good value per key of one source: the STALE fallback of Contract 3. */
export class StaleCache<V extends object> {
  readonly #cache: LRUCache<string, Entry<V>> | undefined;
  readonly #maxStaleMs: number;

  constructor({ maxStaleMs, maxEntries }: StaleCacheOptions) {
    this.#maxStaleMs = maxStaleMs;
    this.#cache = maxStaleMs > 0 && maxEntries > 0 ? new LRUCache({ max: maxEntries, ttl: maxStaleMs }) : undefined;
  }

  set(key: string, value: V, now = Date.now()): void {
    this.#cache?.set(key, { value, storedAt: now });
  }

  /** The value and its age, or undefined when none is known or it is older than `maxStaleMs`. */
  get(key: string, now = Date.now()): { value: V; ageMs: number } | undefined {
    const entry = this.#cache?.get(key);
    if (!entry) return undefined;
    const ageMs = now - entry.storedAt;
    if (ageMs > this.#maxStaleMs) return undefined;
    return { value: entry.value, ageMs };
  }

  get size(): number {
    return this.#cache?.size ?? 0;
  }
}
