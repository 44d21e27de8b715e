import type { BallastContext } from '../context.js';
import type { QueryResolvers, ResolversTypes } from '../generated/resolvers-types.js';
import { pageKey } from '../sources/catalog.js';
import type { CatalogPage, CatalogProduct } from '../sources/catalog.js';
import { assertMayRead, callerOf } from '../identity.js';
import { loadDegradable } from './degradable.js';
import { favoritesOf } from './favorites.js';
import { decodeCursor, encodeCursor, validatePageSize } from './pagination.js';
import { childLoad, prefetchChildren } from './prefetch.js';
import type { ChildLoad } from './prefetch.js';
import type { PagePosition } from './pagination.js';

export const Query: QueryResolvers = {
  product: (_parent, { id }, context, info) => loadDegradable(context, info, context.operations.productById, id),

  async products(_parent, { first, after }, context, info) {
    const size = validatePageSize(first ?? 20);
    const position = decodeCursor(after);
    const key = pageKey(position.skip + size, position.upstreamCursor);
    const page = await loadDegradable(context, info, context.operations.productPage, key);
    const found = page ?? { items: [], nextCursor: null };
    const items = found.items.slice(position.skip, position.skip + size);
    await prefetchChildren(context, info, items, productChildren(context));
    return toConnection(found, items, position, context);
  },

  viewer(_parent, _args, context) {
    const caller = callerOf(context.config, context.request, context.jwt);
    return caller.kind === 'user' ? { id: caller.id } : null;
  },

  cart(_parent, { userId }, context, info) {
    assertMayRead(callerOf(context.config, context.request, context.jwt), userId);
    return loadDegradable(context, info, context.operations.cart, userId);
  },

  favorites(_parent, { userId }, context, info) {
    assertMayRead(callerOf(context.config, context.request, context.jwt), userId);
    return favoritesOf(userId, context, info);
  },
};

/** A page's products' price and inventory, loaded before the page resolves when the query asks for them. */
function productChildren(context: BallastContext): Array<ChildLoad<CatalogProduct>> {
  const paths = [['nodes'], ['edges', 'node']];
  const byId = (product: CatalogProduct): string => product.id;
  return [
    childLoad({ paths, type: 'Product', field: 'price', operation: context.operations.price, key: byId }),
    childLoad({ paths, type: 'Product', field: 'inventory', operation: context.operations.inventory, key: byId }),
  ];
}

function toConnection(page: CatalogPage, items: CatalogProduct[], position: PagePosition, context: BallastContext): ResolversTypes['ProductConnection'] {
  // Later Product fields and favorites in the same request reuse these instead of asking again.
  context.prime(context.operations.productById, items.map((item) => [item.id, item] as const));
  // Edges and cursors (base64 of JSON each) are built only when the query selects them.
  return {
    get edges() {
      return items.map((node, index) => ({ cursor: cursorAfter(page, position, items, index), node }));
    },
    nodes: items,
    pageInfo: {
      hasNextPage: page.nextCursor !== null,
      get endCursor() {
        return items.length === 0 ? null : cursorAfter(page, position, items, items.length - 1);
      },
      // Relay's connection spec (docs/clients.md): forward-only, so "before" means "after was given".
      hasPreviousPage: position.upstreamCursor !== null || position.skip > 0,
      get startCursor() {
        return items.length === 0 ? null : cursorAfter(page, position, items, 0);
      },
    },
  };
}

function cursorAfter(page: CatalogPage, position: PagePosition, items: CatalogProduct[], index: number): string {
  const isPageEnd = index === items.length - 1 && position.skip + items.length >= page.items.length;
  if (isPageEnd && page.nextCursor !== null) return encodeCursor({ upstreamCursor: page.nextCursor, skip: 0 });
  return encodeCursor({ upstreamCursor: position.upstreamCursor, skip: position.skip + index + 1 });
}
