import { z } from 'zod';
import { itemsByKey } from './batch-response.js';
import { defineSource, idsParam } from './define.js';
import type { OperationDefinition } from './define.js';
import { nonNegativeInt32 } from './int32.js';

const priceSchema = z.object({
  productId: z.string(),
  amount: nonNegativeInt32,
  currency: z.string().regex(/^[A-Z]{3}$/),
});
export type PriceRecord = z.infer<typeof priceSchema>;

/** One schema per currency asked in (a gateway prices in one): a price in another currency is a bad item, never passed on. */
const schemas = new Map<string, z.ZodType<PriceRecord>>();
export function priceIn(currency: string): z.ZodType<PriceRecord> {
  let schema = schemas.get(currency);
  if (!schema) {
    schema = priceSchema.refine((price) => price.currency === currency, { message: `not in ${currency}`, path: ['currency'] });
    schemas.set(currency, schema);
  }
  return schema;
}

/** `GET /prices?ids=…&currency=USD`, each item checked to be in the currency asked. */
const priceByKey: OperationDefinition<PriceRecord> = {
  load: (keys, { fetch, source, currency }) =>
    fetch({
      method: 'GET',
      path: `/prices?ids=${idsParam(keys)}&currency=${encodeURIComponent(currency)}`,
      idempotent: true,
      parse: ({ body }) => itemsByKey(source, body, keys, priceIn(currency), 'productId'),
    }),
};

/** Prices in minor units. No default: a made-up price is worse than none. */
export const pricing = defineSource({
  name: 'pricing',
  operations: {
    /** `GET /prices?ids=…&currency=USD`. */
    price: priceByKey,
  },
});
