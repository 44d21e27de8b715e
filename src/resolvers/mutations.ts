import type { GraphQLResolveInfo } from 'graphql';
import type { BallastContext } from '../context.js';
import type { MutationResolvers, Resolvers } from '../generated/resolvers-types.js';
import { cartWrites } from '../sources/cart.js';
import { favoritesWrites } from '../sources/favorites.js';
import { cartOf } from './cart-of.js';
import { favoritesOf } from './favorites.js';
import type { WritePayload } from './models.js';
import { checkQuantity, checkWriteTarget, runWrite } from './mutations-write.js';

const Mutation: MutationResolvers = {
  async addToCart(_parent, { userId, productId, quantity }, context, info) {
    checkWriteTarget(context, userId, productId);
    checkQuantity(context, quantity);
    await runWrite(context, info, context.operations.cart, userId, cartWrites.addLine(userId, productId, quantity));
    return { userId };
  },

  async updateCartLine(_parent, { userId, productId, quantity }, context, info) {
    checkWriteTarget(context, userId, productId);
    checkQuantity(context, quantity);
    await runWrite(context, info, context.operations.cart, userId, cartWrites.setLine(userId, productId, quantity));
    return { userId };
  },

  async removeFromCart(_parent, { userId, productId }, context, info) {
    checkWriteTarget(context, userId, productId);
    await runWrite(context, info, context.operations.cart, userId, cartWrites.removeLine(userId, productId));
    return { userId };
  },

  async addFavorite(_parent, { userId, productId }, context, info) {
    checkWriteTarget(context, userId, productId);
    await runWrite(context, info, context.operations.favorites, userId, favoritesWrites.add(userId, productId));
    return { userId };
  },

  async removeFavorite(_parent, { userId, productId }, context, info) {
    checkWriteTarget(context, userId, productId);
    await runWrite(context, info, context.operations.favorites, userId, favoritesWrites.remove(userId, productId));
    return { userId };
  },
};

// The write put its answer in the request's loads, so these read it back without another call.
// cartOf / favoritesOf still refuse a list over security.maxListItems (LIST_TOO_LONG): the
// payload's `cart` / `favorites` is nullable so that refusal stops there and the mutation field
// still says the write was applied (docs/degradation.md, "Writes").
async function writtenCart(payload: WritePayload, _args: unknown, context: BallastContext, info: GraphQLResolveInfo) {
  const cart = await cartOf(payload.userId, context, info);
  if (!cart) throw new Error(`the cart of ${payload.userId} written in this request is missing from its loads`);
  return cart;
}

function writtenFavorites(payload: WritePayload, _args: unknown, context: BallastContext, info: GraphQLResolveInfo) {
  return favoritesOf(payload.userId, context, info);
}

/** The five writes of docs/degradation.md, "Writes", and their payloads. */
export const mutationResolvers: Resolvers = {
  Mutation,
  AddToCartPayload: { cart: writtenCart },
  UpdateCartLinePayload: { cart: writtenCart },
  RemoveFromCartPayload: { cart: writtenCart },
  AddFavoritePayload: { favorites: writtenFavorites },
  RemoveFavoritePayload: { favorites: writtenFavorites },
};
