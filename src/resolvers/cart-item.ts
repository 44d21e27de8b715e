import type { CartItemResolvers } from '../generated/resolvers-types.js';
import { loadDegradable } from './degradable.js';

export const CartItem: CartItemResolvers = {
  product: (line, _args, context, info) => loadDegradable(context, info, context.operations.productById, line.productId),
};
