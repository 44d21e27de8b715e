import type { GraphQLResolveInfo } from 'graphql';
import type { BallastContext } from '../context.js';
import type { CartRecord } from '../sources/cart.js';
import { loadDegradable } from './degradable.js';
import { assertListWithinBound } from './list-bounds.js';

/**
 * A user's cart, refused with LIST_TOO_LONG when it has more lines than Ballast resolves per
 * answer. Every field this feeds (`cart`, `viewer.cart`, a write payload's `cart`) is nullable, so
 * the refusal nulls that field only (docs/degradation.md, "Writes").
 */
export async function cartOf(userId: string, context: BallastContext, info: GraphQLResolveInfo): Promise<CartRecord | null> {
  const cart = await loadDegradable(context, info, context.operations.cart, userId);
  if (cart) assertListWithinBound(cart.items.length, context, 'cart', `the cart of ${userId}`);
  return cart;
}
