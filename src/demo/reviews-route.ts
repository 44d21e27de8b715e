import type { DemoRoute } from './route.js';

/** Demo reviews service: a stable average and count per known product, derived from its id. */
export const reviewsRoute: DemoRoute = (url, data) => {
  if (url.pathname !== '/reviews/summary') return { status: 404, body: { error: 'not found' } };
  const ids = (url.searchParams.get('ids') ?? '').split(',').filter(Boolean);
  const items = ids.filter((id) => data.productsById.has(id)).map((productId) => summaryOf(productId));
  return { status: 200, body: { items } };
};

function summaryOf(productId: string): { productId: string; average: number; count: number } {
  const n = Number(productId.slice(2));
  return { productId, average: Math.round((2.5 + ((n * 37) % 26) / 10) * 10) / 10, count: (n * 53) % 400 };
}
