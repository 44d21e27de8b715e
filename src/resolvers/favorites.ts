import type { GraphQLResolveInfo } from 'graphql';
import { GraphQLError } from 'graphql';
import type { BallastContext } from '../context.js';
import type { CatalogProduct } from '../sources/catalog.js';
import { loadDegradable } from './degradable.js';
import { assertListWithinBound } from './list-bounds.js';


/**
 * A user's favorites as products, through the catalog batch. Products the catalog no longer knows
 * are left out; a product the catalog failed to answer (a bad item, or the catalog down) takes its
 * own fallback at its own position (`favorites.N`): STALE, or null with its errors[] entry, while
 * the other entries stay complete (docs/degradation.md, "Wrong answers").
 */
export async function favoritesOf(userId: string, context: BallastContext, info: GraphQLResolveInfo): Promise<CatalogProduct[] | null> {
  const favorites = await loadDegradable(context, info, context.operations.favorites, userId);
  if (!favorites) return null;
  assertListWithinBound(favorites.productIds.length, context, 'favorites', `the favorites of ${userId}`);
  const operation = context.operations.productById;
  // Positions are only known once absent products are left out, so load first, then resolve each
  // entry at its final position (a failed key's rejection is kept by the request's loader).
  const ids = operation.pipeline.failsFast ? favorites.productIds : await knownToCatalog(context, favorites.productIds);
  const entries = await Promise.all(ids.map((id, index) => entryOrError(() => loadDegradable(context, info, operation, id, index))));
  // An error in a list's place is that entry's null and errors[] entry at its own path (graphql-js
  // and graphql-jit both complete list items so). Never null: unknown products were left out above.
  return entries as CatalogProduct[];
}

// A thunk: with the catalog's breaker open the fallback throws synchronously, and that must stay
// this entry's error rather than fail the whole list.
async function entryOrError(load: () => CatalogProduct | null | Promise<CatalogProduct | null>): Promise<CatalogProduct | null | GraphQLError> {
  try {
    return await load();
  } catch (error) {
    if (error instanceof GraphQLError) return error;
    throw error;
  }
}

/** `ids` without those the catalog answered "not found"; failed ones stay, to be reported at their position. */
async function knownToCatalog(context: BallastContext, ids: readonly string[]): Promise<string[]> {
  const loaded = await context.loads.loaderFor(context.operations.productById).loadMany(ids);
  return ids.filter((_id, index) => loaded[index] !== null);
}
