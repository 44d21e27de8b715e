import { GraphQLError } from 'graphql';
import type { CartItemResolvers, CartResolvers } from '../generated/resolvers-types.js';
import { GRAPHQL_INT_MAX } from '../sources/int32.js';
import { loadDegradable } from './degradable.js';
import { operationServing } from './field-operation.js';

export const Cart: CartResolvers = {
  items: (cart) => cart.items,
  totalQuantity: (cart) => cart.items.reduce((total, line) => total + line.quantity, 0),

  /**
   * Sum of every line's price; one pricing batch for the whole cart. Null, with a coded error, if
   * any line's price is missing or degraded to NULL: a subtotal that left a line out would be a
   * wrong value shown as right. Only ever a sum in the gateway's one currency (docs/degradation.md).
   */
  async subtotal(cart, _args, context, info) {
    if (cart.items.length === 0) return { amount: 0, currency: context.currency };
    const priceOperation = operationServing(context, 'Product.price', context.operations.price);
    const prices = await Promise.all(cart.items.map((line) => loadDegradable(context, info, priceOperation, line.productId)));
    let amount = 0;
    for (const [index, price] of prices.entries()) {
      const productId = cart.items[index]!.productId;
      if (!price) throw new GraphQLError(`no price is known for product ${productId}`, { extensions: { code: 'PRICE_NOT_FOUND' } });
      // The source refuses other currencies; a stale value from a store shared with a gateway priced otherwise must not slip in either.
      if (price.currency !== context.currency) {
        context.degradation.record({ source: 'pricing', reason: 'UPSTREAM_BAD_RESPONSE', fallback: 'NULL', path: info.path });
        throw new GraphQLError(`the price of ${productId} is in ${price.currency}, not ${context.currency}`, { extensions: { code: 'UPSTREAM_BAD_RESPONSE', source: 'pricing' } });
      }
      amount += price.amount * cart.items[index]!.quantity;
    }
    if (amount > GRAPHQL_INT_MAX) throw new GraphQLError(`the subtotal exceeds the largest amount an Int can carry (${GRAPHQL_INT_MAX})`, { extensions: { code: 'SUBTOTAL_OUT_OF_RANGE' } });
    return { amount, currency: context.currency };
  },
};

export const CartItem: CartItemResolvers = {
  product: (line, _args, context, info) => loadDegradable(context, info, context.operations.productById, line.productId),
};
