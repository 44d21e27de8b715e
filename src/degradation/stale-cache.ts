import { LRUCache } from 'lru-cache';

/**
 * Where a stale cache's values are shared beyond this process: Redis (fleet-wide) or the cluster
 * primary (the workers of one host). Writes are fire and forget; a read that fails is a miss.
 */
export interface StaleStore {
  get(key: string): Promise<{ value: unknown; storedAt: number } | undefined>;
  /**
   * Hands the value on; false when it could not be (not connected, full), so the cache offers it
   * again on its next write. The store keeps it only if it is newer than the value it holds
   * (`storedAt` later; `written`, a write's answer, also at the same time), so a read that started
   * before a write never replaces the written value (docs/degradation.md, "Writes").
   */
  set(key: string, value: unknown, storedAt: number, ttlMs: number, written?: boolean): boolean;
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
  /** `approximateBytes` of the key and value, as counted against `maxBytes`. */
  bytes: number;
  /** When `bytes` was measured: a rewrite of the key within `SIZE_REFRESH_MS` reuses it. */
  sizedAt: number;
}

/**
 * A hot key is rewritten on every successful call (each S1 request rewrites 40 prices and stock
 * levels), and sizing a value costs a JSON.stringify: about 1.5% of S1's CPU when every write
 * sized its value (bench/README.md, optimisation log). A key's value rarely changes size, so a
 * rewrite within this window keeps the size measured last; a new key is always measured. The
 * byte bound can be off by the growth of a value within one window, no more.
 */
const SIZE_REFRESH_MS = 1_000;

/**
 * Whether a value current at `storedAt` replaces one held from `heldAt`: only a newer one does, and
 * at the same millisecond only a write's answer (a read of that millisecond may have left before
 * the write was applied; docs/degradation.md, "Writes"). The rule of every stale store: memory,
 * the host's primary (src/cluster/host-stale-depot.ts) and Redis (its script, shared-stale-store.ts).
 */
export function replacesHeld(heldAt: number, storedAt: number, written: boolean): boolean {
  return storedAt > heldAt || (storedAt === heldAt && written);
}

/**
 * Last known good value per key of one operation: the STALE fallback of docs/architecture.md § Contract: degradation. Memory
 * first (LRU bounded in entries and bytes, with TTL); with a shared store (the host's primary, or Redis), written through
 * (throttled, never awaited) and read from it by `getAnywhere`: when memory has nothing (a fresh replica serves what
 * another saw), and first for values mutations write (src/degradation/fallback.ts).
 */
export class StaleCache<V extends object> {
  readonly #cache: LRUCache<string, Entry<V>> | undefined;
  readonly #maxStaleMs: number;
  readonly #shared: StaleCacheOptions['shared'];

  constructor({ maxStaleMs, maxEntries, maxBytes = DEFAULT_MAX_BYTES, shared }: StaleCacheOptions) {
    this.#maxStaleMs = maxStaleMs;
    this.#cache =
      maxStaleMs > 0 && maxEntries > 0
        ? // The TTL only frees memory: it runs from the last set, which an in-place rewrite can
          // precede by up to SIZE_REFRESH_MS, so it is that much longer than maxStaleMs.
          new LRUCache({ max: maxEntries, maxSize: maxBytes, sizeCalculation: (entry) => entry.bytes, ttl: maxStaleMs + SIZE_REFRESH_MS })
        : undefined;
    this.#shared = maxStaleMs > 0 ? shared : undefined;
  }

  /**
   * `now` is when the value was current: for a read, when its call started. A value older than the
   * one held is dropped, and so is a read's of the same millisecond (it may have left before the
   * held value's write was applied): only newer values replace (docs/degradation.md, "Writes").
   * `written`: a write's answer, sent to the shared store whatever the write interval says, so it
   * replaces an older value fleet-wide at once, and kept over a value of its own millisecond.
   */
  set(key: string, value: V, now = Date.now(), written = false): void {
    if (!this.#cache) return;
    const previous = this.#cache.get(key);
    // One comparison on the entry the LRU get above already fetched: the healthy path's whole cost.
    if (previous !== undefined && !replacesHeld(previous.storedAt, now, written)) return;
    const due = this.#shared !== undefined && (written || previous === undefined || now - previous.sharedAt >= this.#shared.writeIntervalMs);
    // A value the store could not take (Redis still connecting) is offered again on the next write, not a write interval later.
    const share = due && this.#shared!.store.set(this.#shared!.namespace + key, value, now, this.#maxStaleMs, written);
    const resized = previous === undefined || written || now - previous.sizedAt >= SIZE_REFRESH_MS;
    if (!resized) {
      // A hot key rewritten within its size window: the entry the LRU holds is updated where it
      // is (the get above already made it the most recent) instead of a new entry and a set,
      // which cost as much again as the rest of a write. The LRU's TTL, restarted only by a
      // set, outlasts the window (see the constructor); `get` judges age by `storedAt`.
      previous.value = value;
      previous.storedAt = now;
      if (share) previous.sharedAt = now;
      return;
    }
    this.#cache.set(key, { value, storedAt: now, sharedAt: share ? now : (previous?.sharedAt ?? 0), bytes: approximateBytes(key, value), sizedAt: now });
  }

  /** The value and its age from memory, or undefined when none is known or it is older than `maxStaleMs`. */
  get(key: string, now = Date.now()): { value: V; ageMs: number } | undefined {
    const entry = this.#cache?.get(key);
    if (!entry) return undefined;
    const ageMs = now - entry.storedAt;
    if (ageMs > this.#maxStaleMs) return undefined;
    return { value: entry.value, ageMs };
  }

  /**
   * The newer of memory's value and the shared store's: another worker or replica may hold a
   * newer one (a write it made) than this process's memory, which must not win then
   * (docs/degradation.md, "Writes"). A store value newer than memory's is kept in memory too.
   * Without a shared store, memory alone.
   */
  async getAnywhere(key: string): Promise<{ value: V; ageMs: number } | undefined> {
    if (!this.#shared || !this.#cache) return this.get(key);
    const stored = await this.#shared.store.get(this.#shared.namespace + key);
    const at = Date.now();
    // Read after the wait: a write may have landed in memory meanwhile.
    const held = this.#cache.get(key);
    if (!stored || (held !== undefined && held.storedAt >= stored.storedAt)) return this.get(key, at);
    const ageMs = at - stored.storedAt;
    if (ageMs > this.#maxStaleMs) return this.get(key, at);
    // Written by this same operation from values that passed its payload validation.
    const value = stored.value as V;
    this.#cache.set(key, { value, storedAt: stored.storedAt, sharedAt: stored.storedAt, bytes: approximateBytes(key, value), sizedAt: at });
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
