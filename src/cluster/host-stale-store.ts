import type { StaleStore } from '../degradation/stale-cache.js';
import { askPrimary, notifyPrimary } from './ipc.js';

/** One value as it crosses the IPC channel: JSON text, so the primary can bound its memory by length. */
export interface SharedStaleValue {
  key: string;
  text: string;
  storedAt: number;
  ttlMs: number;
  /** A write's answer: kept over a value of the same `storedAt` (HostStaleDepot.put). Absent for reads. */
  written?: true;
}

export const STALE_PUT = 'stale-put';
export const STALE_GET = 'stale-get';

/** Writes or lookups gathered in one event-loop turn beyond this are dropped (a miss), never queued. */
const MAX_PER_TURN = 5_000;

/**
 * A worker's side of the stale values shared by the workers of one host (no Redis): values this
 * worker stores go to the primary; a lookup this worker cannot answer from memory asks it, and so
 * does every lookup of a value mutations write (src/degradation/fallback.ts).
 * Both are gathered per event-loop turn into one IPC message, so a request writing 40 prices
 * costs one message, and a degraded page asking for 40 unknown prices one round trip.
 */
export class HostStaleStore implements StaleStore {
  readonly #lookupTimeoutMs: number;
  #writes: SharedStaleValue[] = [];
  #lookups = new Map<string, Array<(entry: { value: unknown; storedAt: number } | undefined) => void>>();
  #flushScheduled = false;

  constructor(options: { lookupTimeoutMs: number }) {
    this.#lookupTimeoutMs = options.lookupTimeoutMs;
  }

  set(key: string, value: unknown, storedAt: number, ttlMs: number, written = false): boolean {
    if (this.#writes.length >= MAX_PER_TURN) return false;
    this.#writes.push(written ? { key, text: JSON.stringify(value), storedAt, ttlMs, written } : { key, text: JSON.stringify(value), storedAt, ttlMs });
    this.#scheduleFlush();
    return true;
  }

  get(key: string): Promise<{ value: unknown; storedAt: number } | undefined> {
    if (!process.connected) return Promise.resolve(undefined);
    const waiting = this.#lookups.get(key);
    if (!waiting && this.#lookups.size >= MAX_PER_TURN) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      if (waiting) waiting.push(resolve);
      else this.#lookups.set(key, [resolve]);
      this.#scheduleFlush();
    });
  }

  async close(): Promise<void> {
    this.#writes = [];
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#writes.length) notifyPrimary(STALE_PUT, this.#writes);
    this.#writes = [];
    if (this.#lookups.size) void this.#lookUp(this.#lookups);
    this.#lookups = new Map();
  }

  async #lookUp(lookups: Map<string, Array<(entry: { value: unknown; storedAt: number } | undefined) => void>>): Promise<void> {
    const keys = [...lookups.keys()];
    let found: Array<{ text: string; storedAt: number } | null> = [];
    try {
      found = (await askPrimary(STALE_GET, keys, this.#lookupTimeoutMs)) as typeof found;
    } catch {
      // No answer in time (or no channel): every lookup is a miss, the field falls back further.
    }
    keys.forEach((key, index) => {
      const entry = found[index];
      const value = entry ? { value: JSON.parse(entry.text) as unknown, storedAt: entry.storedAt } : undefined;
      for (const resolve of lookups.get(key)!) resolve(value);
    });
  }
}
