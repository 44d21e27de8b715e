import { createRequire } from 'node:module';
import type { Redis, RedisOptions } from 'ioredis';

/**
 * ioredis is required when a store is built, not imported: only a Redis-configured deployment
 * pays for it (about 20 MiB of RSS per process where none is configured; bench/README.md,
 * "Sixth session: memory").
 */
const requireModule = createRequire(import.meta.url);

export interface SharedStaleStoreOptions {
  url: string;
  /** Prefix of every key, so several Ballast deployments can share one Redis. @default "ballast:stale:" */
  keyPrefix: string;
  /** Longest a Redis command may take before Ballast gives up on it, in ms. @default 100 */
  timeoutMs: number;
  /** Values larger than this (bytes of JSON) are kept in memory only. @default 65536 */
  maxValueBytes: number;
}

export interface StoreObserver {
  /** Every Redis operation, by outcome: ok, error (failed or timed out), skipped (store circuit open). */
  redisOperation?(operation: 'get' | 'set', outcome: 'ok' | 'miss' | 'error' | 'skipped'): void;
}

interface StoredEntry {
  value: unknown;
  storedAt: number;
}

const FAILURES_TO_OPEN = 5;
const OPEN_MS = 5_000;

/**
 * SET only over an older value: the held JSON ends with its `"storedAt":N}` (as `set` writes it).
 * A read's value (ARGV[4] "0") replaces only an older one; a write's ("1") also one of its own
 * millisecond. So a replica whose read started before another's write never replaces the written
 * value (docs/degradation.md, "Writes"). One command, as the plain SET was; Redis runs it atomically.
 */
const SET_IF_NEWER = `
local held = redis.call('GET', KEYS[1])
if held then
  local heldAt = tonumber(string.match(held, '"storedAt":(%d+)}$'))
  local storedAt = tonumber(ARGV[3])
  if heldAt and (heldAt > storedAt or (heldAt == storedAt and ARGV[4] ~= '1')) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;

type StaleRedis = Redis & { setIfNewer(key: string, text: string, ttlMs: number, storedAt: number, written: '0' | '1'): Promise<number> };

/**
 * The fleet-wide last-known-good cache: Redis behind a short timeout and a circuit of its own,
 * so a slow or dead Redis costs a request at most `timeoutMs` once, then nothing until it
 * recovers. Entries expire after the source's `maxStaleMs` (Redis TTL); every failure is counted.
 */
export class SharedStaleStore {
  readonly #redis: StaleRedis;
  readonly #options: SharedStaleStoreOptions;
  readonly #observers: readonly StoreObserver[];
  #consecutiveFailures = 0;
  #openUntil = 0;
  /**
   * Settles once the first connection attempt has ended: connected (ready check done), failed, or
   * given up after the connect timeout plus one command timeout. A gateway listens (and a reload
   * swaps) only after it, so a fresh replica's first requests already read what the fleet stored
   * instead of failing their GETs at once (no offline queue); never rejects, so a dead Redis delays
   * the start by about a second at most and never stops it (docs/deployment.md, "N replicas").
   */
  readonly firstAttempt: Promise<void>;

  constructor(options: SharedStaleStoreOptions, observers: readonly StoreObserver[] = []) {
    this.#options = options;
    this.#observers = observers;
    const { Redis: RedisClient } = requireModule('ioredis') as { Redis: new (url: string, options: RedisOptions) => Redis };
    const connectTimeout = Math.max(options.timeoutMs, 500);
    this.#redis = new RedisClient(options.url, {
      keyPrefix: options.keyPrefix,
      commandTimeout: options.timeoutMs,
      connectTimeout,
      // Fail fast instead of queueing while disconnected; reconnect in the background.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
      lazyConnect: false,
    }) as StaleRedis;
    // EVALSHA once the script is known to the server (ioredis loads it on first use).
    this.#redis.defineCommand('setIfNewer', { numberOfKeys: 1, lua: SET_IF_NEWER });
    // Connection errors surface through the commands that fail; without a listener ioredis would log them.
    this.#redis.on('error', () => undefined);
    this.firstAttempt = firstAttemptOf(this.#redis, connectTimeout + options.timeoutMs);
  }

  async get(key: string): Promise<StoredEntry | undefined> {
    if (this.#isOpen()) {
      this.#report('get', 'skipped');
      return undefined;
    }
    try {
      const text = await this.#redis.get(key);
      this.#succeeded();
      this.#report('get', text === null ? 'miss' : 'ok');
      return text === null ? undefined : (JSON.parse(text) as StoredEntry);
    } catch {
      this.#failed('get');
      return undefined;
    }
  }

  /**
   * Fire and forget: a request never waits for this write. False when nothing was sent: with no
   * offline queue, a SET before the connection is ready would be dropped, and the cache would then
   * not offer the key again for a whole write interval.
   */
  set(key: string, value: unknown, storedAt: number, ttlMs: number, written = false): boolean {
    if (this.#isOpen()) {
      this.#report('set', 'skipped');
      return false;
    }
    // Not connected (yet, or any more): the SET would fail at once; count it as the failure it is.
    if (this.#redis.status !== 'ready') {
      this.#failed('set');
      return false;
    }
    const text = JSON.stringify({ value, storedAt } satisfies StoredEntry);
    if (Buffer.byteLength(text) > this.#options.maxValueBytes) {
      // Too large to share. A write's answer must still not leave the older value it replaced for
      // other replicas to serve (docs/degradation.md, "Writes"): that one goes.
      if (written) this.#redis.del(key).then(() => this.#succeeded(), () => this.#failed('set'));
      return true;
    }
    this.#redis.setIfNewer(key, text, Math.max(1, Math.round(ttlMs)), storedAt, written ? '1' : '0').then(
      () => {
        this.#succeeded();
        this.#report('set', 'ok');
      },
      () => this.#failed('set'),
    );
    return true;
  }

  async close(): Promise<void> {
    this.#redis.disconnect();
  }

  #isOpen(): boolean {
    return Date.now() < this.#openUntil;
  }

  #succeeded(): void {
    this.#consecutiveFailures = 0;
  }

  #failed(operation: 'get' | 'set'): void {
    this.#report(operation, 'error');
    this.#consecutiveFailures += 1;
    if (this.#consecutiveFailures >= FAILURES_TO_OPEN) {
      this.#openUntil = Date.now() + OPEN_MS;
      this.#consecutiveFailures = 0;
    }
  }

  #report(operation: 'get' | 'set', outcome: 'ok' | 'miss' | 'error' | 'skipped'): void {
    for (const observer of this.#observers) observer.redisOperation?.(operation, outcome);
  }
}

/** Resolves on the client's first `ready`, `error` or `end`, or after `giveUpMs`, whichever comes first. */
function firstAttemptOf(redis: Redis, giveUpMs: number): Promise<void> {
  return new Promise((resolve) => {
    const settle = (): void => {
      clearTimeout(timer);
      for (const event of ['ready', 'error', 'end'] as const) redis.off(event, settle);
      resolve();
    };
    const timer = setTimeout(settle, giveUpMs);
    for (const event of ['ready', 'error', 'end'] as const) redis.once(event, settle);
  });
}
