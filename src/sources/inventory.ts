import { z } from 'zod';
import { idsParam, itemsByKey } from './batch-response.js';
import { defineOperation } from './operation.js';

const inventorySchema = z.object({
  productId: z.string(),
  available: z.number().int().nonnegative(),
  updatedAt: z.string().optional(),
});

export interface InventoryRecord {
  productId: string;
  /** null only in the DEFAULT fallback: the service could not say. */
  available: number | null;
  updatedAt?: string | undefined;
}

/** Stock by product id: `GET /inventory?ids=…`. Falls back to "unknown" rather than null. */
export const inventoryByProductId = defineOperation<InventoryRecord>({
  source: 'inventory',
  name: 'inventoryByProductId',
  async load(keys, { fetch }) {
    return fetch({
      method: 'GET',
      path: `/inventory?ids=${idsParam(keys)}`,
      idempotent: true,
      parse: ({ body }) => itemsByKey('inventory', body, keys, inventorySchema, 'productId'),
    });
  },
  defaultValue: (productId) => ({ productId, available: null }),
});
