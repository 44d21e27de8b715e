import type { SourceName } from '../sources/names.js';
import type { DemoData } from './data.js';
import type { DemoAnswer, DemoRoute } from './route.js';
import { reviewsRoute } from './reviews-route.js';
import { shippingRoute } from './shipping-route.js';
// ballast:demo-imports (npm run new-source adds imports above this line)

export type { DemoAnswer, DemoRoute } from './route.js';

const MAX_PAGE = 500;


const notFound: DemoAnswer = { status: 404, body: { error: 'not found' } };

function idsOf(url: URL): string[] {
  const ids = url.searchParams.get('ids');
  return ids ? ids.split(',').filter(Boolean) : [];
}

const catalog: DemoRoute = (url, data) => {
  if (url.pathname !== '/products') return notFound;
  if (url.searchParams.has('ids')) {
    return { status: 200, body: { items: idsOf(url).flatMap((id) => data.productsById.get(id) ?? []) } };
  }
  const limit = Number(url.searchParams.get('limit') ?? 20);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) return { status: 400, body: { error: `limit must be 1..${MAX_PAGE}` } };
  const cursor = url.searchParams.get('cursor');
  const start = cursor === null ? 0 : Number.parseInt(Buffer.from(cursor, 'base64url').toString('utf8'), 10);
  if (!Number.isInteger(start) || start < 0) return { status: 400, body: { error: 'bad cursor' } };
  const items = data.products.slice(start, start + limit);
  const next = start + limit;
  return { status: 200, body: { items, nextCursor: next < data.products.length ? Buffer.from(String(next)).toString('base64url') : null } };
};

const inventory: DemoRoute = (url, data) => {
  if (url.pathname !== '/inventory') return notFound;
  const items = idsOf(url).flatMap((productId) => {
    const available = data.stock.get(productId);
    return available === undefined ? [] : [{ productId, available, updatedAt: '2026-11-01T00:00:00.000Z' }];
  });
  return { status: 200, body: { items } };
};

const pricing: DemoRoute = (url, data) => {
  if (url.pathname !== '/prices') return notFound;
  const currency = url.searchParams.get('currency') ?? 'USD';
  if (currency !== 'USD') return { status: 400, body: { error: 'only USD is priced in the demo' } };
  const items = idsOf(url).flatMap((productId) => {
    const amount = data.prices.get(productId);
    return amount === undefined ? [] : [{ productId, amount, currency }];
  });
  return { status: 200, body: { items } };
};

function userRoute(prefix: string, answer: (userId: string, data: DemoData) => DemoAnswer): DemoRoute {
  return (url, data) => {
    const match = new RegExp(`^/${prefix}/([^/]+)$`).exec(url.pathname);
    if (!match) return notFound;
    return answer(decodeURIComponent(match[1]!), data);
  };
}

const cart = userRoute('carts', (userId, data) => {
  const items = data.carts.get(userId);
  return items ? { status: 200, body: { userId, items } } : notFound;
});

const favorites = userRoute('favorites', (userId, data) => {
  const productIds = data.favorites.get(userId);
  return productIds ? { status: 200, body: { userId, productIds } } : notFound;
});

/**
 * Demo upstreams of sources declared in the SDL (`@rest`, docs/adding-a-data-source.md): Ballast has
 * no TypeScript for them, only the demo service standing in for the real one.
 */
export const DECLARED_DEMO_NAMES = ['shipping'] as const;

/** A source the demo can stand in for: a coded one, or one of DECLARED_DEMO_NAMES. */
export type DemoSourceName = SourceName | (typeof DECLARED_DEMO_NAMES)[number];

/** The demo service of each source; a source without one needs its URL set. */
export const DEMO_ROUTES: Partial<Record<DemoSourceName, DemoRoute>> = {
  catalog,
  inventory,
  pricing,
  cart,
  favorites,
  reviews: reviewsRoute,
  shipping: shippingRoute,
  // ballast:demo-routes (npm run new-source adds routes above this line)
};
