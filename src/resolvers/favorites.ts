import type { GraphQLResolveInfo } from 'graphql';
import type { BallastContext } from '../context.js';
import type { CatalogProduct } from '../sources/catalog.js';
import { loadDegradable } from './degradable.js';
import { assertListWithinBound } from './list-bounds.js';

/** A user's favorites as products, through the catalog batch; products the catalog no longer knows are left out. */
export async function favoritesOf(userId: string, context: BallastContext, info: GraphQLResolveInfo): Promise<CatalogProduct[] | null> {
  const favorites = await loadDegradable(context, info, context.operations.favorites, userId);
  if (!favorites) return null;
  assertListWithinBound(favorites.productIds.length, context, 'favorites', `the favorites of ${userId}`);
  const products = await Promise.all(
    favorites.productIds.map((id) => loadDegradable(context, info, context.operations.productById, id)),
  );
  return products.filter((product): product is CatalogProduct => product !== null);
}
