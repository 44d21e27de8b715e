import { z } from 'zod';
import { batchByKey, defineSource, idsParam } from './define.js';

const priceSchema = z.object({
  productId: z.string(),
  amount: z.number().int(),
  currency: z.string().regex(/^[A-Z]{3}$/),
});
export type PriceRecord = z.infer<typeof priceSchema>;

/** Prices in minor units. No default: a made-up price is worse than none. */
export const pricing = defineSource({
  name: 'pricing',
  operations: {
    /** `GET /prices?ids=…&currency=USD`. */
    price: batchByKey({
      path: (ids, { currency }) => `/prices?ids=${idsParam(ids)}&currency=${encodeURIComponent(currency)}`,
      item: priceSchema,
      keyField: 'productId',
    }),
  },
});
