import { z } from 'zod';
import { answerFor, parseBody } from './object-response.js';
import { defineSource, onePerKey } from './define.js';
import { GRAPHQL_INT_MAX, positiveInt32 } from './int32.js';
import { pathSegment } from './path-segment.js';
import type { WriteSpec } from './write.js';

export const cartSchema = z.object({
  userId: z.string(),
  items: z
    .array(z.object({ productId: z.string(), quantity: positiveInt32 }))
    // Cart.totalQuantity is an Int too: a cart whose lines sum past it cannot be shown honestly.
    .refine((lines) => lines.reduce((total, line) => total + line.quantity, 0) <= GRAPHQL_INT_MAX, { message: 'total quantity exceeds the Int range' }),
});
export type CartRecord = z.infer<typeof cartSchema>;
export type CartLine = CartRecord['items'][number];

/** Shopping carts, one request per user. */
export const cart = defineSource({
  name: 'cart',
  operations: {
    /** `GET /carts/{userId}`; 404 means an empty cart. */
    // Mutations write it (src/resolvers/mutations.ts): degraded reads ask the shared store first.
    cart: onePerKey<CartRecord>({
      written: true,
      path: (userId) => `/carts/${pathSegment(userId)}`,
      route: '/carts/{userId}',
      parse: (body, userId, { source }) => {
        const record = parseBody(source, body, cartSchema);
        return answerFor(source, userId, record.userId, record);
      },
      notFound: (userId) => ({ userId, items: [] }),
    }),
  },
});

/** Reads a write's answer: the whole cart, which must be `userId`'s. */
function cartAfterWrite(userId: string): (response: { body: unknown }) => CartRecord {
  return ({ body }) => {
    const record = parseBody('cart', body, cartSchema);
    return answerFor('cart', userId, record.userId, record);
  };
}

/** The cart service's writes (docs/architecture.md § Contract: the upstream REST services); each answers the cart. */
export const cartWrites = {
  /** `POST /carts/{userId}/lines {productId, quantity}`: adds to the product's line. */
  addLine: (userId: string, productId: string, quantity: number): WriteSpec<CartRecord> => ({
    method: 'POST',
    path: `/carts/${pathSegment(userId)}/lines`,
    route: '/carts/{userId}/lines',
    body: { productId, quantity },
    parse: cartAfterWrite(userId),
  }),
  /** `PUT /carts/{userId}/lines/{productId} {quantity}`: sets the line's quantity. */
  setLine: (userId: string, productId: string, quantity: number): WriteSpec<CartRecord> => ({
    method: 'PUT',
    path: `/carts/${pathSegment(userId)}/lines/${pathSegment(productId)}`,
    route: '/carts/{userId}/lines/{productId}',
    body: { quantity },
    parse: cartAfterWrite(userId),
  }),
  /** `DELETE /carts/{userId}/lines/{productId}`: removes the line. */
  removeLine: (userId: string, productId: string): WriteSpec<CartRecord> => ({
    method: 'DELETE',
    path: `/carts/${pathSegment(userId)}/lines/${pathSegment(productId)}`,
    route: '/carts/{userId}/lines/{productId}',
    parse: cartAfterWrite(userId),
  }),
};
