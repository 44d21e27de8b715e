import type { BallastConfig, SourceName } from '../config-schema.js';
import type { UpstreamClient } from '../http/upstream-client.js';
import { ResiliencePipeline } from '../resilience/pipeline.js';
import type { PipelineObserver } from '../resilience/pipeline.js';
import type { StoreObserver } from '../degradation/shared-stale-store.js';
import type { StaleStore } from '../degradation/stale-cache.js';
import { BoundOperation } from '../sources/operation.js';
import { loadDeclarations } from './declarations.js';
import { DECLARED_SOURCE_NAMES } from './names.js';
import { declaredOperation } from './operation.js';

export interface BindOptions {
  config: BallastConfig;
  baseUrls: Record<SourceName, URL>;
  client: UpstreamClient;
  observers: ReadonlyArray<PipelineObserver & StoreObserver>;
  /** The coded sources' pipelines: declared sources' pipelines are added to it. */
  pipelines: Record<SourceName, ResiliencePipeline>;
  shared?: { store: StaleStore; writeIntervalMs: number };
  /** Fields with a coded resolver (`Money.formatted`): an answer need not carry them (see `loadDeclarations`). */
  resolvedFields?: ReadonlySet<string>;
}

/**
 * One pipeline per declared source (added to `pipelines`, so the dashboard, /health and metrics
 * show it like a coded one) and one bound operation per `@rest` field, named `Type.field`. A field
 * may also declare a coded source: it then shares that source's pipeline.
 */
export function bindDeclaredSources(typeDefs: readonly string[], options: BindOptions): Array<readonly [string, BoundOperation<object>]> {
  const { config, baseUrls, client, observers } = options;
  const pipelines = options.pipelines as Record<string, ResiliencePipeline>;
  const policies = config.sources as Record<string, BallastConfig['sources'][SourceName]>;
  const urls = baseUrls as Record<string, URL>;
  for (const name of DECLARED_SOURCE_NAMES) pipelines[name] ??= new ResiliencePipeline(name, urls[name]!, policies[name]!, client, observers);
  return loadDeclarations(typeDefs, options.resolvedFields).map((declaration) => {
    const policy = policies[declaration.source]!;
    const shared = options.shared && { ...options.shared, namespace: `${declaration.coordinate}:` };
    const bound = new BoundOperation(declaredOperation(declaration, { currency: config.currency }), pipelines[declaration.source]!, {
      maxStaleMs: policy.maxStaleMs,
      staleMaxEntries: policy.staleMaxEntries,
      ...(policy.staleMaxBytes ? { staleMaxBytes: policy.staleMaxBytes } : {}),
      maxBatchSize: policy.maxBatchSize,
      currency: config.currency,
      ...(shared ? { shared } : {}),
    });
    return [declaration.coordinate, bound] as const;
  });
}
