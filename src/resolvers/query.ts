import type { GraphQLResolveInfo } from 'graphql';
import type { BallastContext } from '../context.js';
import type { QueryResolvers, ResolversTypes, ViewerResolvers } from '../generated/resolvers-types.js';
import { pageKey } from '../sources/catalog.js';
import type { CatalogPage, CatalogProduct } from '../sources/catalog.js';
import { assertMayRead, callerOf } from '../identity.js';
import { loadDegradable } from './degradable.js';
import { cartOf } from './cart-of.js';
import { favoritesOf } from './favorites.js';
import { decodeCursor, encodeCursor, validatePageSize } from './pagination.js';
import { childLoad, prefetchChildren } from './prefetch.js';
import { operationServing } from './field-operation.js';
import type { ChildLoad } from './prefetch.js';
import type { PagePosition } from './pagination.js';

export const Query: QueryResolvers = {
  product: (_parent, { id }, context, info) => loadDegradable(context, info, context.operations.productById, id),

  async products(_parent, { first, after }, context, info) {
    const size = validatePageSize(first ?? 20);
    const secret = context.config.security.cursorSecret;
    const position = decodeCursor(after, secret);
    // Relay's connection spec (docs/clients.md): forward-only, so "a page before" means "resumed from a cursor".
    const resumed = position.upstreamCursor !== null || position.skip > 0;
    const start = await pageStart(position, context, info);
    if (start === undefined) return null;
    if (start === END_OF_CATALOG) return emptyConnection(resumed);
    const key = pageKey(size, start);
    const page = await loadDegradable(context, info, context.operations.productPage, key);
    if (!page) return null;
    // Never more than `size`: a longer answer is the catalog's bad response (src/sources/catalog.ts),
    // since cutting it would hand out a next cursor past products never shown.
    const items = page.items;
    if (page.omittedAt) {
      // A bad product was left out of what this page shows: no field is null, but the list is short of one (docs/degradation.md).
      context.degradation.record({ source: 'catalog', reason: 'UPSTREAM_BAD_RESPONSE', fallback: 'NULL', path: info.path });
    }
    await prefetchChildren(context, info, items, productChildren(context));
    // Later Product fields, favorites and cart lines in this request reuse the page's products
    // instead of asking again, only when the page was loaded now: a STALE page's products would
    // be shown there as fresh, unreported. Without them each of those fields takes, and reports,
    // its own fallback (docs/degradation.md). One map look-up.
    if (context.loads.settled(context.operations.productPage, key) === page) context.loads.prime(context.operations.productById, items.map((item) => [item.id, item] as const));
    return toConnection(page, items, start, resumed, context);
  },

  viewer(_parent, _args, context) {
    const caller = callerOf(context.config, context.request, context.jwt);
    return caller.kind === 'user' ? { id: caller.id } : null;
  },

  cart(_parent, { userId }, context, info) {
    assertMayRead(callerOf(context.config, context.request, context.jwt), userId);
    return cartOf(userId, context, info);
  },

  favorites(_parent, { userId }, context, info) {
    assertMayRead(callerOf(context.config, context.request, context.jwt), userId);
    return favoritesOf(userId, context, info);
  },
};

export const Viewer: ViewerResolvers = {
  cart: (viewer, _args, context, info) => cartOf(viewer.id, context, info),
  favorites: (viewer, _args, context, info) => favoritesOf(viewer.id, context, info),
};

/** A page's products' price and inventory, loaded before the page resolves when the query asks for them. */
function productChildren(context: BallastContext): Array<ChildLoad<CatalogProduct>> {
  const paths = [['nodes'], ['edges', 'node']];
  const byId = (product: CatalogProduct): string => product.id;
  return [
    childLoad({ paths, type: 'Product', field: 'price', operation: operationServing(context, 'Product.price', context.operations.price), key: byId }),
    childLoad({ paths, type: 'Product', field: 'inventory', operation: context.operations.inventory, key: byId }),
  ];
}

const END_OF_CATALOG = Symbol('end of catalog');

/**
 * The catalog cursor a page starts at. A cursor from the middle of a page carries its page's
 * start and how many items to skip (fewer than that page's size): one hop of `limit=skip` gets
 * the catalog's cursor after them, so no request ever reads more than one page's worth.
 * Undefined when the hop failed (its error is already recorded).
 */
async function pageStart(position: PagePosition, context: BallastContext, info: GraphQLResolveInfo): Promise<string | null | undefined | typeof END_OF_CATALOG> {
  if (position.skip === 0) return position.upstreamCursor;
  const hop = await loadDegradable(context, info, context.operations.productPage, pageKey(position.skip, position.upstreamCursor));
  if (!hop) return undefined;
  return hop.nextCursor ?? END_OF_CATALOG;
}

function emptyConnection(resumed: boolean): ResolversTypes['ProductConnection'] {
  return { edges: [], nodes: [], pageInfo: { hasNextPage: false, endCursor: null, hasPreviousPage: resumed, startCursor: null } };
}

function toConnection(page: CatalogPage, items: CatalogProduct[], start: string | null, resumed: boolean, context: BallastContext): ResolversTypes['ProductConnection'] {
  const secret = context.config.security.cursorSecret;
  // Edges and cursors (an HMAC each) are built only when the query selects them.
  return {
    get edges() {
      return items.map((node, index) => ({ cursor: cursorAfter(page, start, items, index, secret), node }));
    },
    nodes: items,
    pageInfo: {
      hasNextPage: page.nextCursor !== null,
      get endCursor() {
        return items.length === 0 ? null : cursorAfter(page, start, items, items.length - 1, secret);
      },
      hasPreviousPage: resumed,
      get startCursor() {
        return items.length === 0 ? null : cursorAfter(page, start, items, 0, secret);
      },
    },
  };
}

/**
 * The last item's cursor is the catalog's own next cursor; any other is this page's start plus a
 * skip counted in catalog positions: bad products left out of the page still occupy theirs, so
 * the hop past them stops after this item, not before it.
 */
function cursorAfter(page: CatalogPage, start: string | null, items: CatalogProduct[], index: number, secret: string | undefined): string {
  const isPageEnd = index === items.length - 1;
  if (isPageEnd && page.nextCursor !== null) return encodeCursor({ upstreamCursor: page.nextCursor, skip: 0 }, secret);
  const omittedBefore = page.omittedAt?.filter((at) => at <= index).length ?? 0;
  return encodeCursor({ upstreamCursor: start, skip: index + 1 + omittedBefore }, secret);
}
