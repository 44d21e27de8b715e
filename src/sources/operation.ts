import DataLoader from 'dataloader';
import type { CallScope, CallSpec, ResiliencePipeline } from '../resilience/pipeline.js';
import { StaleCache } from '../degradation/stale-cache.js';
import type { StaleCacheOptions } from '../degradation/stale-cache.js';

/** Makes one REST request through the source's resilience pipeline and returns what `spec.parse` made of it. */
export type Fetch = <T>(spec: CallSpec<T>) => Promise<T>;

export interface LoadContext {
  fetch: Fetch;
  /** Name of the source being read, for error messages. */
  source: string;
  /** ISO 4217 currency prices are asked in. */
  currency: string;
}

/**
 * One way of reading a source, keyed by string: products by id, a page of products, a user's
 * cart. Sources declare operations; resolvers never see HTTP.
 */
export interface SourceOperation<V extends object> {
  /** The source whose pipeline (breaker, bulkhead, retries) this uses. */
  source: string;
  /** Unique name, e.g. `productById`. */
  name: string;
  /**
   * Values for `keys`, in the same order: a value, `null` for "not found", or an `Error` that
   * fails that key alone. Throwing fails the whole batch.
   */
  load(keys: readonly string[], context: LoadContext): Promise<Array<V | null | Error>>;
  /** The DEFAULT fallback; without it a failed key falls back to NULL. */
  defaultValue?(key: string): V;
  /** False when the upstream has no batch endpoint: one request per key. @default true */
  batch?: boolean;
  /**
   * True when mutations write this operation's values (a cart, favorites): another worker or
   * replica may then hold a newer value than this process's memory, so a degraded read asks the
   * shared store first and serves the newer (docs/degradation.md, "Writes"). Values nothing writes
   * are served from memory when it has them, without a round trip. @default false
   */
  written?: boolean;
}

/** An operation bound at start-up to its source's pipeline and its own stale cache. */
export class BoundOperation<V extends object> {
  /** The operation's name, unique across sources (src/sources/registry.ts checks it). */
  readonly name: string;
  /** The source it calls: config key, metric label, `extensions.degraded[].source`. */
  readonly source: string;
  /** The definition as the source declared it. */
  readonly definition: SourceOperation<V>;
  readonly pipeline: ResiliencePipeline;
  readonly stale: StaleCache<V>;
  readonly #maxBatchSize: number;
  readonly #currency: string;

  constructor(
    definition: SourceOperation<V>,
    pipeline: ResiliencePipeline,
    options: { maxStaleMs: number; staleMaxEntries: number; staleMaxBytes?: number; maxBatchSize: number; currency: string; shared?: StaleCacheOptions['shared'] },
  ) {
    this.name = definition.name;
    this.source = definition.source;
    this.definition = definition;
    this.pipeline = pipeline;
    this.stale = new StaleCache<V>({ maxStaleMs: options.maxStaleMs, maxEntries: options.staleMaxEntries, ...(options.staleMaxBytes ? { maxBytes: options.staleMaxBytes } : {}), ...(options.shared ? { shared: options.shared } : {}) });
    this.#maxBatchSize = options.maxBatchSize;
    this.#currency = options.currency;
  }

  /**
   * A fresh DataLoader for one GraphQL request: batching and per-request dedup of keys. Values
   * it loads are also put in `settled`, so later fields can take them without a promise.
   */
  createLoader(scope: CallScope, settled?: Map<string, V | null>): DataLoader<string, V | null> {
    const source = this.definition.source;
    const fetch: Fetch = (spec) => {
      // Before the pipeline: a request over its allowance must not take bulkhead places from others.
      scope.admit?.(source);
      return this.pipeline.call(spec, scope);
    };
    const context: LoadContext = { fetch, source, currency: this.#currency };
    return new DataLoader<string, V | null>((keys) => this.#loadBatch(keys, context, settled), {
      batch: this.definition.batch !== false,
      maxBatchSize: this.#maxBatchSize,
    });
  }

  /** Whole-batch failures become one error per key, so each field falls back on its own. */
  async #loadBatch(keys: readonly string[], context: LoadContext, settled: Map<string, V | null> | undefined): Promise<Array<V | null | Error>> {
    // A value is as new as the moment its call started, not when its answer arrived: the upstream
    // may have taken it before a write that answered in between, and then it must not replace the
    // written value in any stale store (docs/degradation.md, "Writes"). Taken once per batch.
    const startedAt = Date.now();
    let results: Array<V | null | Error>;
    try {
      results = await this.definition.load(keys, context);
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      return keys.map(() => failure);
    }
    results.forEach((result, index) => {
      if (result instanceof Error) return;
      settled?.set(keys[index]!, result);
      if (result !== null) this.stale.set(keys[index]!, result, startedAt);
    });
    return results;
  }
}
