import type { Resolvers } from '../generated/resolvers-types.js';
import { Cart, CartItem } from './cart.js';
import { Inventory } from './inventory.js';
import { Money } from './pricing.js';
import { Product } from './product.js';
import { Query, Viewer } from './query.js';
import { reviewsResolvers } from './reviews.js';
import { relayResolvers } from './relay.js';
import { mutationResolvers } from './mutations.js';
// ballast:resolver-imports (npm run new-source adds imports above this line)

/**
 * One resolver file per schema file (docs/architecture.md § Where an idea lives): src/resolvers/<x>.ts
 * resolves what schema/<x>.graphql declares (a `<Type>` map each) or extends (one `<x>Resolvers` map,
 * `Product.rating` from reviews); the maps are merged here.
 */
const parts: Resolvers[] = [
  { Query, Product, Inventory, Money, Cart, CartItem, Viewer },
  reviewsResolvers,
  relayResolvers,
  mutationResolvers,
  // ballast:resolver-list (npm run new-source adds resolver maps above this line)
];

export const resolvers: Resolvers = mergeResolvers(parts);

function mergeResolvers(maps: Resolvers[]): Resolvers {
  const merged: Record<string, Record<string, unknown>> = {};
  for (const map of maps) {
    for (const [type, fields] of Object.entries(map)) merged[type] = { ...merged[type], ...(fields as Record<string, unknown>) };
  }
  return merged as Resolvers;
}
