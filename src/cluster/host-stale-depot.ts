import { LRUCache } from 'lru-cache';
import { replacesHeld } from '../degradation/stale-cache.js';
import type { SharedStaleValue } from './host-stale-store.js';

interface Kept {
  text: string;
  storedAt: number;
}

/**
 * The primary's copy of the stale values its workers stored: bounded by JSON bytes (least
 * recently used go first), each entry expiring with its source's `maxStaleMs`. A value older
 * than the one kept (another worker's, sent later) does not replace it, nor does a read's of the
 * same `storedAt` (a read's `storedAt` is when its call started: it may have left before the kept
 * write was applied); a write's answer of the same `storedAt` does (docs/degradation.md, "Writes").
 */
export class HostStaleDepot {
  readonly #cache: LRUCache<string, Kept>;

  constructor(maxBytes: number) {
    this.#cache = new LRUCache<string, Kept>({ maxSize: maxBytes, sizeCalculation: (kept, key) => kept.text.length + key.length + 64, ttlAutopurge: false });
  }

  put(values: readonly SharedStaleValue[]): void {
    for (const { key, text, storedAt, ttlMs, written } of values) {
      const kept = this.#cache.get(key);
      if (kept && !replacesHeld(kept.storedAt, storedAt, written === true)) continue;
      const ttl = Math.round(ttlMs - (Date.now() - storedAt));
      if (ttl > 0) this.#cache.set(key, { text, storedAt }, { ttl });
    }
  }

  get(keys: readonly string[]): Array<Kept | null> {
    return keys.map((key) => this.#cache.get(key) ?? null);
  }

  get size(): number {
    return this.#cache.size;
  }
}
