import { z } from 'zod';
import { parseBody } from './batch-response.js';
import { defineSource, onePerKey } from './define.js';
import { pathSegment } from './path-segment.js';

const cartSchema = z.object({
  userId: z.string(),
  items: z.array(z.object({ productId: z.string(), quantity: z.number().int().positive() })),
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
      parse: (body, _userId, { source }) => parseBody(source, body, cartSchema),
      notFound: (userId) => ({ userId, items: [] }),
    }),
  },
});
