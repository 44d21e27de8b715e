import { expect } from 'vitest';
import type { DemoService } from '../../src/demo/index.js';
import type { GraphQLResponse } from '../helpers/harness.js';

/**
 * What the demo cart service holds for `userId` now, read straight from it (not through Ballast).
 * Clears the service's fault first: the state is read, not the fault.
 */
export async function upstreamCart(service: DemoService, userId: string): Promise<Array<{ productId: string; quantity: number }>> {
  service.clearFault();
  const response = await fetch(`${service.url}/carts/${userId}`);
  if (response.status === 404) return [];
  return ((await response.json()) as { items: Array<{ productId: string; quantity: number }> }).items;
}

/** What the demo favorites service holds for `userId` now (its fault cleared first). */
export async function upstreamFavorites(service: DemoService, userId: string): Promise<string[]> {
  service.clearFault();
  const response = await fetch(`${service.url}/favorites/${userId}`);
  if (response.status === 404) return [];
  return ((await response.json()) as { productIds: string[] }).productIds;
}

/** The writes a demo service received: method, path and the idempotency key each carried. */
export function writesSeen(service: DemoService): Array<{ method: string; url: string; key: string | undefined }> {
  return service.requests
    .filter((request) => request.method !== 'GET')
    .map((request) => ({ method: request.method, url: request.url, key: request.headers['idempotency-key'] as string | undefined }));
}

/** The single error of a response: its message, code, source and path. */
export function onlyError(response: GraphQLResponse): { code: unknown; source: unknown; path: unknown } {
  expect(response.body.errors).toHaveLength(1);
  const [error] = response.body.errors!;
  return { code: error!.extensions?.code, source: error!.extensions?.source, path: error!.path };
}

export const CART_FIELDS = 'cart { userId totalQuantity items { quantity product { id } } }';

/** A cart's lines as GraphQL shows them, in the upstream's shape. */
export function linesOf(cart: { items: Array<{ quantity: number; product: { id: string } | null }> }): Array<{ productId: string; quantity: number }> {
  return cart.items.map((item) => ({ productId: item.product!.id, quantity: item.quantity }));
}
