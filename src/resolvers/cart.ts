import { GraphQLError } from 'graphql';
import type { CartResolvers } from '../generated/resolvers-types.js';
import { loadDegradable } from './degradable.js';

export const Cart: CartResolvers = {
  items: (cart) => cart.items,
  totalQuantity: (cart) => cart.items.reduce((total, line) => total + line.quantity, 0),

  /** Sum of every line's price; one pricing batch for the whole cart. Null if any price is missing. */
  async subtotal(cart, _args, context, info) {
    if (cart.items.length === 0) return { amount: 0, currency: context.currency };
    const prices = await Promise.all(
      cart.items.map((line) => loadDegradable(context, info, context.operations.price, line.productId)),
    );
    let amount = 0;
    let currency: string | undefined;
    for (const [index, price] of prices.entries()) {
      if (!price) throw new GraphQLError(`no price is known for product ${cart.items[index]!.productId}`, { extensions: { code: 'PRICE_NOT_FOUND' } });
      currency ??= price.currency;
      amount += price.amount * cart.items[index]!.quantity;
    }
    return { amount, currency: currency ?? context.currency };
  },
};
