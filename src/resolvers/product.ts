import type { ProductResolvers } from '../generated/resolvers-types.js';
import { loadDegradable } from './degradable.js';

export const Product: ProductResolvers = {
  description: (product) => product.description ?? null,
  category: (product) => product.category ?? null,
  price: (product, _args, context, info) => loadDegradable(context, info, context.operations.price, product.id),
  inventory: (product, _args, context, info) => loadDegradable(context, info, context.operations.inventory, product.id),
};
