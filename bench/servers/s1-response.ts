import { createDemoData } from '../../src/demo/data.js';
import { formatMoney } from '../../src/resolvers/pricing.js';
import { stockStatus } from '../../src/resolvers/inventory.js';

let demo: ReturnType<typeof createDemoData> | undefined;

/** S1's products computed straight from the demo data, for the baselines that make no upstream call. */
export function s1Products(count = 20, start = 0) {
  const data = (demo ??= createDemoData());
  return data.products.slice(start, start + count).map((product) => {
    const amount = data.prices.get(product.id)!;
    const available = data.stock.get(product.id)!;
    return {
      id: product.id,
      name: product.name,
      price: { amount, currency: 'USD', formatted: formatMoney(amount, 'USD') },
      inventory: { available, status: stockStatus(available) },
    };
  });
}

/**
 * One page of the whole demo catalog from memory, cursors being the next start index: what the
 * from-memory baselines answer for `products(first, after)`.
 */
export function pageFromMemory(all: ReturnType<typeof s1Products>, first: number, after: string | null | undefined) {
  const start = after ? Number(after) : 0;
  const nodes = all.slice(start, start + first);
  const next = start + first;
  const hasNextPage = next < all.length;
  return { nodes, edges: nodes.map((node, index) => ({ node, cursor: String(start + index + 1) })), pageInfo: { hasNextPage, endCursor: hasNextPage ? String(next) : null } };
}
