import type { InventoryResolvers, StockStatus } from '../generated/resolvers-types.js';

/** Units at or below this count are LOW_STOCK. */
export const LOW_STOCK_THRESHOLD = 5;

export function stockStatus(available: number | null): StockStatus {
  if (available === null) return 'UNKNOWN';
  if (available === 0) return 'OUT_OF_STOCK';
  return available <= LOW_STOCK_THRESHOLD ? 'LOW_STOCK' : 'IN_STOCK';
}

export const Inventory: InventoryResolvers = {
  available: (record) => record.available,
  status: (record) => stockStatus(record.available),
};
