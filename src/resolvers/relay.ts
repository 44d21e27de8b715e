import { GraphQLError } from 'graphql';
import type { Resolvers } from '../generated/resolvers-types.js';
import { loadDegradable } from './degradable.js';

/** `nodes(ids:)` takes at most this many ids, like a page of `products(first:)`. */
export const MAX_NODE_IDS = 100;

/**
 * Relay global object identification (docs/clients.md). Product is the only Node type and its ids
 * (`p-0001`) are already unique, so `node(id:)` looks the id up in the catalog as it is: the id a
 * client refetches by is exactly the `Product.id` it was given, and `Product.id` keeps its shape.
 */
export const relayResolvers: Resolvers = {
  Query: {
    node: (_parent, { id }, context, info) => loadDegradable(context, info, context.operations.productById, id),
    nodes(_parent, { ids }, context, info) {
      if (ids.length > MAX_NODE_IDS) {
        throw new GraphQLError(`ids must hold at most ${MAX_NODE_IDS} ids, got ${ids.length}`, { extensions: { code: 'BAD_USER_INPUT' } });
      }
      // A list of promises, not one Promise.all: a failing lookup nulls only its own item, and is
      // reported at its own index.
      const items = ids.map((id, index) => loadDegradable(context, info, context.operations.productById, id, index));
      return items as unknown as Awaited<(typeof items)[number]>[];
    },
  },
  Node: {
    __resolveType: () => 'Product',
  },
};
