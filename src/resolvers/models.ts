/** The backing values resolvers pass around, mapped onto GraphQL types in codegen.ts. */
export type { CatalogProduct } from '../sources/catalog.js';
export type { InventoryRecord } from '../sources/inventory.js';
export type { CartRecord, CartLine } from '../sources/cart.js';

/** A price or a sum of prices, in minor units. */
export interface MoneyValue {
  amount: number;
  currency: string;
}

/** The caller, from their verified identity. */
export interface ViewerValue {
  id: string;
}

/** What a mutation answered: whose data it changed; the payload's fields read the written value back from the request's loads. */
export interface WritePayload {
  userId: string;
}
