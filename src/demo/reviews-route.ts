import type { DemoRoute } from './routes.js';

/** Demo reviews service: a deterministic answer for every known product id. */
export const reviewsRoute: DemoRoute = (url, data) => {
  if (url.pathname !== '/reviews') return { status: 404, body: { error: 'not found' } };
  const ids = (url.searchParams.get('ids') ?? '').split(',').filter(Boolean);
  const items = ids.filter((id) => data.productsById.has(id)).map((productId) => ({ productId, value: `reviews of ${productId}` }));
  return { status: 200, body: { items } };
};
