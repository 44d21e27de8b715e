import type { BallastConfig, SourceName } from '../config-schema.js';
import { SOURCE_NAMES } from '../config-schema.js';
import type { UpstreamClient } from '../http/upstream-client.js';
import { ResiliencePipeline } from '../resilience/pipeline.js';
import type { PipelineObserver } from '../resilience/pipeline.js';
import { SharedStaleStore } from '../degradation/shared-stale-store.js';
import type { StoreObserver } from '../degradation/shared-stale-store.js';
import type { StaleStore } from '../degradation/stale-cache.js';
import { BoundOperation } from './operation.js';
import type { SourceOperation } from './operation.js';
import { SOURCES } from './registry.js';
import { bindDeclaredSources } from '../declared/bind.js';
import { readTypeDefs } from '../declared/schema-files.js';

// The composition root of the sources, named for what it does: binds every operation of the
// registry (./registry.ts, the list) to its source's pipeline and stale caches. The names alone
// are ./names.ts.

type UnionToIntersection<U> = (U extends unknown ? (value: U) => void : never) extends (value: infer I) => void ? I : never;
type AllOperations = UnionToIntersection<(typeof SOURCES)[number]['operations']>;

/** Every operation of every source, bound to its pipeline: `context.operations.price`, … */
export type Operations = { [K in keyof AllOperations]: AllOperations[K] extends SourceOperation<infer V> ? BoundOperation<V> : never };

/** The long-lived side of the data sources: one pipeline (breaker, bulkhead, budget) per source. */
export interface SourceRegistry {
  pipelines: Record<SourceName, ResiliencePipeline>;
  operations: Operations;
  /** The fleet-wide stale store, when Redis is configured. */
  sharedStore: SharedStaleStore | undefined;
  shutdown(): Promise<void>;
}

export function createSources(
  config: BallastConfig,
  baseUrls: Record<SourceName, URL>,
  client: UpstreamClient,
  observers: ReadonlyArray<PipelineObserver & StoreObserver> = [],
  /** In a cluster worker without Redis: the host's store, kept by the primary. */
  hostStore?: StaleStore,
  /** The SDL whose `@rest` fields become operations of declared sources. */
  typeDefs: readonly string[] = readTypeDefs(),
  /** Fields with a coded resolver (`Money.formatted`), which a declared source's answer need not carry. */
  resolvedFields?: ReadonlySet<string>,
): SourceRegistry {
  const redis = config.redis;
  const sharedStore = redis.url ? new SharedStaleStore({ url: redis.url, keyPrefix: redis.keyPrefix, timeoutMs: redis.timeoutMs, maxValueBytes: redis.maxValueBytes }, observers) : undefined;
  // Redis, when configured, already reaches every worker of every host.
  const store: StaleStore | undefined = sharedStore ?? hostStore;
  const writeIntervalMs = sharedStore ? redis.writeIntervalMs : config.cluster.staleWriteIntervalMs;
  const pipelines = Object.fromEntries(
    SOURCE_NAMES.map((name) => [name, new ResiliencePipeline(name, baseUrls[name], config.sources[name], client, observers)]),
  ) as Record<SourceName, ResiliencePipeline>;
  const bound = SOURCES.flatMap((source) =>
    Object.entries(source.operations).map(([name, operation]) => {
      const policy = config.sources[source.name];
      const shared = store && { store, namespace: `${name}:`, writeIntervalMs };
      const options = { maxStaleMs: policy.maxStaleMs, staleMaxEntries: policy.staleMaxEntries, staleMaxBytes: policy.staleMaxBytes, maxBatchSize: policy.maxBatchSize, currency: config.currency, ...(shared ? { shared } : {}) };
      return [name, new BoundOperation(operation as SourceOperation<object>, pipelines[source.name], options)] as const;
    }),
  );
  // Declared sources' pipelines join the same map (dashboard, /health and metrics iterate it), their
  // operations the same object under `Type.field` names; coded names keep their types.
  const declared = bindDeclaredSources(typeDefs, { config, baseUrls, client, observers, pipelines, ...(store ? { shared: { store, writeIntervalMs } } : {}), ...(resolvedFields ? { resolvedFields } : {}) });
  // Built from the same SOURCES the Operations type is derived from, name for name.
  const operations = Object.fromEntries([...bound, ...declared]) as unknown as Operations;
  return {
    pipelines,
    operations,
    sharedStore,
    async shutdown() {
      for (const pipeline of Object.values(pipelines)) pipeline.shutdown();
      await sharedStore?.close();
    },
  };
}
