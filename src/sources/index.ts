import type { BallastConfig, SourceName } from '../config-schema.js';
import { SOURCE_NAMES } from '../config-schema.js';
import type { UpstreamClient } from '../http/upstream-client.js';
import { ResiliencePipeline } from '../resilience/pipeline.js';
import type { PipelineObserver } from '../resilience/pipeline.js';
import { cartByUserId } from './cart.js';
import { productById, productPage } from './catalog.js';
import { favoritesByUserId } from './favorites.js';
import { inventoryByProductId } from './inventory.js';
import { BoundOperation } from './operation.js';
import type { SourceOperation } from './operation.js';
import { priceByProductId } from './pricing.js';

/** Every operation the resolvers may use, bound to its source. Adding one: add it here. */
export function bindOperations(bind: <V extends object>(operation: SourceOperation<V>) => BoundOperation<V>) {
  return {
    productById: bind(productById),
    productPage: bind(productPage),
    inventory: bind(inventoryByProductId),
    price: bind(priceByProductId),
    cart: bind(cartByUserId),
    favorites: bind(favoritesByUserId),
  };
}

export type Operations = ReturnType<typeof bindOperations>;

/** The long-lived side of the data sources: one pipeline (breaker, bulkhead, budget) per source. */
export interface SourceRegistry {
  pipelines: Record<SourceName, ResiliencePipeline>;
  operations: Operations;
  shutdown(): void;
}

export function createSources(
  config: BallastConfig,
  baseUrls: Record<SourceName, URL>,
  client: UpstreamClient,
  observer: PipelineObserver = {},
): SourceRegistry {
  const pipelines = Object.fromEntries(
    SOURCE_NAMES.map((name) => [name, new ResiliencePipeline(name, baseUrls[name], config.sources[name], client, observer)]),
  ) as Record<SourceName, ResiliencePipeline>;
  const operations = bindOperations((operation) => {
    const policy = config.sources[operation.source];
    return new BoundOperation(operation, pipelines[operation.source], {
      maxStaleMs: policy.maxStaleMs,
      staleMaxEntries: policy.staleMaxEntries,
      maxBatchSize: policy.maxBatchSize,
      currency: config.currency,
    });
  });
  return {
    pipelines,
    operations,
    shutdown: () => Object.values(pipelines).forEach((pipeline) => pipeline.shutdown()),
  };
}
