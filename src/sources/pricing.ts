import { z } from 'zod';
import { idsParam, itemsByKey } from './batch-response.js';
import { defineOperation } from './operation.js';

const priceSchema = z.object({
  productId: z.string(),
  amount: z.number().int(),
  currency: z.string().regex(/^[A-Z]{3}$/),
});
export type PriceRecord = z.infer<typeof priceSchema>;

/** Prices in minor units: `GET /prices?ids=…&currency=USD`. No default: a made-up price is worse than none. */
export const priceByProductId = defineOperation<PriceRecord>({
  source: 'pricing',
  name: 'priceByProductId',
  async load(keys, { fetch, currency }) {
    const path = `/prices?ids=${idsParam(keys)}&currency=${encodeURIComponent(currency)}`;
    return fetch({ method: 'GET', path, idempotent: true, parse: ({ body }) => itemsByKey('pricing', body, keys, priceSchema, 'productId') });
  },
});
