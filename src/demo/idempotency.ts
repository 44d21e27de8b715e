import { LRUCache } from 'lru-cache';
import type { DemoAnswer } from './route.js';

/** A write as the idempotency store compares it: same key with another fingerprint is a misuse. */
interface Remembered {
  fingerprint: string;
  answer: DemoAnswer;
}

export interface IdempotencyStoreOptions {
  /** Keys remembered at once. @default 10_000 */
  maxEntries?: number;
  /** JSON bytes of the remembered answers. @default 8 MiB */
  maxBytes?: number;
}

/** Answered to a key reused with another request (method, path or body). */
export const KEY_REUSED: DemoAnswer = { status: 422, body: { error: 'Idempotency-Key already used for a different request' } };

/**
 * The demo services' side of `Idempotency-Key` (docs/architecture.md § Contract: the upstream REST
 * services): the first request with a key is applied and its answer kept; a replay with the same
 * request gets that answer again without being applied; the same key with another request gets
 * 422. Bounded by entries and bytes (least recently used forgotten first), like any real store.
 */
export class IdempotencyStore {
  readonly #answers: LRUCache<string, Remembered>;

  constructor({ maxEntries = 10_000, maxBytes = 8 * 1024 * 1024 }: IdempotencyStoreOptions = {}) {
    this.#answers = new LRUCache({ max: maxEntries, maxSize: maxBytes, sizeCalculation: (entry, key) => Math.max(1, key.length + entry.fingerprint.length + JSON.stringify(entry.answer).length) });
  }

  /** `apply()`'s answer the first time `key` is seen; the same answer, unapplied, on a replay. */
  run(key: string, fingerprint: string, apply: () => DemoAnswer): DemoAnswer {
    const known = this.#answers.get(key);
    if (known) return known.fingerprint === fingerprint ? known.answer : KEY_REUSED;
    const answer = apply();
    this.#answers.set(key, { fingerprint, answer });
    return answer;
  }

  get size(): number {
    return this.#answers.size;
  }
}
