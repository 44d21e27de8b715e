/**
 * `npx tsx bench/micro/item-check.ts`: CPU per item of zod's `safeParse` (which copies each object)
 * against the check-only path (src/sources/item-check.ts, which hands the raw item on), on the
 * 20 price and 20 stock items of an S1 page, interleaved in one process (bench/README.md § Ninth
 * session: item checks without copies).
 */
import { inventorySchema } from '../../src/sources/inventory.js';
import { asIsCheck } from '../../src/sources/item-check.js';
import { priceIn } from '../../src/sources/pricing.js';

const ROUNDS = 5;
const PAGES = 20_000;
const price = priceIn('USD');
const prices = Array.from({ length: 20 }, (_, index) => JSON.parse(JSON.stringify({ productId: `p-${index}`, amount: 1000 + index * 37, currency: 'USD' })) as unknown);
const stocks = Array.from({ length: 20 }, (_, index) => JSON.parse(JSON.stringify({ productId: `p-${index}`, available: index * 3, updatedAt: '2026-01-01T00:00:00.000Z' })) as unknown);

function microsPerItem(check: () => void): number {
  const start = process.cpuUsage();
  for (let page = 0; page < PAGES; page++) check();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / PAGES / 40;
}

const viaZod = () => {
  for (const item of prices) if (!price.safeParse(item).success) throw new Error('price refused');
  for (const item of stocks) if (!inventorySchema.safeParse(item).success) throw new Error('stock refused');
};
const asIs = () => {
  const priceAsIs = asIsCheck(price);
  const stockAsIs = asIsCheck(inventorySchema);
  for (const item of prices) if (!priceAsIs(item)) throw new Error('price not as is');
  for (const item of stocks) if (!stockAsIs(item)) throw new Error('stock not as is');
};

for (let round = 0; round < ROUNDS; round++) {
  const zod = microsPerItem(viaZod);
  const lean = microsPerItem(asIs);
  console.log(`round ${round}: µs CPU per item: zod safeParse ${zod.toFixed(3)}, as is ${lean.toFixed(3)}; as is / zod ${(lean / zod).toFixed(2)}`);
}
