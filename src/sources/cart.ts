import { z } from 'zod';
import { answerFor, parseBody } from './object-response.js';
import { defineSource, onePerKey } from './define.js';
import { GRAPHQL_INT_MAX, positiveInt32 } from './int32.js';
import { pathSegment } from './path-segment.js';

const cartSchema = z.object({
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
    cart: onePerKey<CartRecord>({
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
