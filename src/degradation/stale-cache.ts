import { LRUCache } from 'lru-cache';

/**
 * Where a stale cache's values are shared beyond this process: Redis (fleet-wide) or the cluster
 * primary (the workers of one host). Writes are fire and forget; a read that fails is a miss.
 */
export interface StaleStore {
  get(key: string): Promise<{ value: unknown; storedAt: number } | undefined>;
  set(key: string, value: unknown, storedAt: number, ttlMs: number): void;
  close(): Promise<void>;
}

export interface StaleCacheOptions {
  /** How old a last known good value may be and still be served, in milliseconds; 0 disables. @default 300_000 */
  maxStaleMs: number;
  /** Keys kept per source; the least recently used go first. @default 10_000 */
  maxEntries: number;
  /** Approximate bytes kept per cache, so a few large values cannot fill the heap where many small ones may. @default 16 MiB */
  maxBytes?: number;
  /** The store behind this process's memory (Redis, or the cluster primary), when configured. */
  shared?: {
    store: StaleStore;
    /** Key prefix of this cache in the store, e.g. `price:`. */
    namespace: string;
    /** A key is written to the store at most once per this many ms (a hot key would otherwise be written per request). */
    writeIntervalMs: number;
  };
}

const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;
/** What an entry costs beside its key and value: the entry object, LRU bookkeeping, the TTL slot. */
const ENTRY_OVERHEAD_BYTES = 128;

/**
 * Bytes a value takes in the heap, roughly: two per character of its JSON (strings may be
 * UTF-16) plus the key. Values here are parsed upstream JSON, so their JSON is their size.
 */
export function approximateBytes(key: string, value: unknown): number {
  return ENTRY_OVERHEAD_BYTES + 2 * (key.length + (JSON.stringify(value)?.length ?? 0));
}

interface Entry<V> {
  value: V;
  storedAt: number;
  sharedAt: number;
}

/**
 * Last known good value per key of one operation: the STALE fallback of docs/architecture.md § Contract: degradation. Memory
 * first (LRU bounded in entries and bytes, with TTL); with Redis configured, written through (throttled, never awaited)
 * and read from Redis when memory has nothing, so a fresh replica can serve what another saw.
 */
export class StaleCache<V extends object> {
  readonly #cache: LRUCache<string, Entry<V>> | undefined;
  readonly #maxStaleMs: number;
  readonly #shared: StaleCacheOptions['shared'];

  constructor({ maxStaleMs, maxEntries, maxBytes = DEFAULT_MAX_BYTES, shared }: StaleCacheOptions) {
    this.#maxStaleMs = maxStaleMs;
    this.#cache =
      maxStaleMs > 0 && maxEntries > 0
        ? new LRUCache({ max: maxEntries, maxSize: maxBytes, sizeCalculation: (entry, key) => approximateBytes(key, entry.value), ttl: maxStaleMs })
        : undefined;
    this.#shared = maxStaleMs > 0 ? shared : undefined;
  }

  set(key: string, value: V, now = Date.now()): void {
    if (!this.#cache) return;
    const previous = this.#cache.get(key);
    const share = this.#shared !== undefined && (previous === undefined || now - previous.sharedAt >= this.#shared.writeIntervalMs);
    this.#cache.set(key, { value, storedAt: now, sharedAt: share ? now : (previous?.sharedAt ?? 0) });
    if (share) this.#shared!.store.set(this.#shared!.namespace + key, value, now, this.#maxStaleMs);
  }

  /** The value and its age from memory, or undefined when none is known or it is older than `maxStaleMs`. */
  get(key: string, now = Date.now()): { value: V; ageMs: number } | undefined {
    const entry = this.#cache?.get(key);
    if (!entry) return undefined;
    const ageMs = now - entry.storedAt;
    if (ageMs > this.#maxStaleMs) return undefined;
    return { value: entry.value, ageMs };
  }

  /** Memory, then the shared store; a value found there is kept in memory too. */
  async getAnywhere(key: string, now = Date.now()): Promise<{ value: V; ageMs: number } | undefined> {
    const local = this.get(key, now);
    if (local || !this.#shared || !this.#cache) return local;
    const stored = await this.#shared.store.get(this.#shared.namespace + key);
    if (!stored) return undefined;
    const ageMs = Date.now() - stored.storedAt;
    if (ageMs > this.#maxStaleMs) return undefined;
    // Written by this same operation from values that passed its payload validation.
    const value = stored.value as V;
    this.#cache.set(key, { value, storedAt: stored.storedAt, sharedAt: stored.storedAt });
    return { value, ageMs };
  }

  /**
   * Takes over `previous`'s values (the cache of the gateway a reload replaces), each keeping its
   * age; this cache's own limits apply. Oldest first, so the most recently used stay last to go.
   */
  adopt(previous: StaleCache<V>, now = Date.now()): void {
    if (!this.#cache || !previous.#cache) return;
    for (const [key, entry] of [...previous.#cache.entries()].reverse()) {
      const ageMs = now - entry.storedAt;
      if (ageMs < this.#maxStaleMs) this.#cache.set(key, entry, { ttl: this.#maxStaleMs - ageMs });
    }
  }

  /** Whether `getAnywhere` may find more than `get` (a shared store is configured). */
  get shared(): boolean {
    return this.#shared !== undefined && this.#cache !== undefined;
  }

  get size(): number {
    return this.#cache?.size ?? 0;
  }

  /** Approximate bytes held, as counted against `maxBytes`. */
  get bytes(): number {
    return this.#cache?.calculatedSize ?? 0;
  }
}
