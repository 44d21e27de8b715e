import { z } from 'zod';
import { batchByKey, defineSource, idsParam } from './define.js';
import { nonNegativeInt32 } from './int32.js';

export const inventorySchema = z.object({
  productId: z.string(),
  available: nonNegativeInt32,
  updatedAt: z.string().optional(),
});

export interface InventoryRecord {
  productId: string;
  /** null only in the DEFAULT fallback: the service could not say. */
  available: number | null;
  updatedAt?: string | undefined;
}

/** Stock levels. Falls back to "unknown" rather than null: a page can still render without it. */
export const inventory = defineSource({
  name: 'inventory',
  operations: {
    /** Stock by product id: `GET /inventory?ids=…`. */
    inventory: batchByKey<InventoryRecord>({
      path: (ids) => `/inventory?ids=${idsParam(ids)}`,
      item: inventorySchema,
      keyField: 'productId',
      defaultValue: (productId) => ({ productId, available: null }),
    }),
  },
});
