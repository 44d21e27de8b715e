import type { DemoRoute } from './route.js';

/** Delivery speeds the demo shipping service quotes, fastest last. */
const SPEEDS = ['STANDARD', 'EXPRESS'] as const;

/**
 * Demo shipping service, declared in Ballast by SDL only (schema/shipping.graphql):
 * `GET /estimates?productIds=…&country=US` answering `{"items":[{"productId","days","costCents","carrier"}]}`
 * and `GET /options/{productId}` answering `{"items":[{"speed","days","costCents"}]}` (404 for an unknown product).
 */
export const shippingRoute: DemoRoute = (url, data) => {
  if (url.pathname === '/estimates') {
    const ids = (url.searchParams.get('productIds') ?? '').split(',').filter(Boolean);
    const country = url.searchParams.get('country') ?? 'US';
    return { status: 200, body: { items: ids.filter((id) => data.productsById.has(id)).map((productId) => estimateOf(productId, country)) } };
  }
  const options = /^\/options\/([^/]+)$/.exec(url.pathname);
  if (options) {
    const productId = decodeURIComponent(options[1]!);
    if (!data.productsById.has(productId)) return { status: 404, body: { error: 'not found' } };
    const base = estimateOf(productId, 'US');
    return { status: 200, body: { items: SPEEDS.map((speed, index) => ({ speed, days: Math.max(1, base.days - index * 2), costCents: base.costCents * (index + 1) })) } };
  }
  return { status: 404, body: { error: 'not found' } };
};

/** A stable estimate per product: 2-6 days, 299-1299 cents at home, twice that abroad. */
function estimateOf(productId: string, country: string): { productId: string; days: number; costCents: number; carrier: string } {
  const n = Number(productId.slice(2));
  const abroad = country === 'US' ? 1 : 2;
  return { productId, days: (2 + (n % 5)) * abroad, costCents: (299 + ((n * 100) % 1100)) * abroad, carrier: n % 2 === 0 ? 'UPS' : 'DHL' };
}
