import { createDemoData } from '../../src/demo/data.js';
import { formatMoney } from '../../src/resolvers/money.js';
import { stockStatus } from '../../src/resolvers/inventory.js';

/** S1's answer computed straight from the demo data, for the baselines that make no upstream call. */
export function s1Products(count = 20) {
  const data = createDemoData();
  return data.products.slice(0, count).map((product) => {
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
