import type { Resolvers } from '../generated/resolvers-types.js';
import { loadDegradable } from './degradable.js';

/** Product.rating, batched through the reviews source, with its fallbacks. */
export const reviewsResolvers: Resolvers = {
  Product: {
    rating: (product, _args, context, info) => loadDegradable(context, info, context.operations.reviewsByProductId, product.id),
  },
};
