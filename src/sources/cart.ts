import { z } from 'zod';
import { parseBody } from './batch-response.js';
import { defineOperation } from './operation.js';

const cartSchema = z.object({
  userId: z.string(),
  items: z.array(z.object({ productId: z.string(), quantity: z.number().int().positive() })),
});
export type CartRecord = z.infer<typeof cartSchema>;
export type CartLine = CartRecord['items'][number];

/** A user's cart: `GET /carts/{userId}`; 404 means an empty cart. One request per user. */
export const cartByUserId = defineOperation<CartRecord>({
  source: 'cart',
  name: 'cartByUserId',
  batch: false,
  async load(keys, { fetch }) {
    return Promise.all(
      keys.map(async (userId) => {
        return fetch({
          method: 'GET',
          path: `/carts/${encodeURIComponent(userId)}`,
          idempotent: true,
          acceptStatuses: [404],
          parse: ({ status, body }) => (status === 404 ? { userId, items: [] } : parseBody('cart', body, cartSchema)),
        });
      }),
    );
  },
});
