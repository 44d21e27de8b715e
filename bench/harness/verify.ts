import { isDeepStrictEqual } from 'node:util';
import { createDemoData } from '../../src/demo/data.js';
import type { DemoData } from '../../src/demo/data.js';
import { formatMoney } from '../../src/resolvers/pricing.js';
import { s1Products } from '../servers/s1-response.js';

/**
 * What one answer under load was: `exact` (every value the demo upstreams hold, nothing
 * degraded), `degraded` (the scenario's expected degradation and nothing else) or `bad`.
 * A bad answer is not throughput.
 */
export type Verdict = 'exact' | 'degraded' | 'bad';

/** The field of each product a fault scenario may degrade, and the source that fails. */
export interface Degradation {
  field: 'inventory' | 'price';
  source: 'inventory' | 'pricing';
}

interface GraphQLAnswer {
  data?: Record<string, unknown> | null;
  errors?: Array<{ path?: Array<string | number> }>;
  extensions?: { degraded?: Array<{ source?: string }> };
}

/** Inventory's declared DEFAULT fallback (docs/degradation.md). */
const INVENTORY_DEFAULT = { available: null, status: 'UNKNOWN' };
export const PAGE_SIZE = 20;

let demo: DemoData | undefined;
const demoData = (): DemoData => (demo ??= createDemoData());

/** Page `page` of `products(first: 20)` with price and inventory, from the demo data. */
export function expectedPage(page: number): unknown[] {
  return s1Products(PAGE_SIZE, page * PAGE_SIZE);
}

/** S2's `cart` of `userId` (totalQuantity, subtotal, lines with product id, name and price), from the demo data. */
export function expectedCart(userId: string): unknown {
  const data = demoData();
  const lines = data.carts.get(userId) ?? [];
  const amount = lines.reduce((sum, line) => sum + data.prices.get(line.productId)! * line.quantity, 0);
  return {
    totalQuantity: lines.reduce((sum, line) => sum + line.quantity, 0),
    subtotal: { amount, formatted: formatMoney(amount, 'USD') },
    items: lines.map((line) => ({ quantity: line.quantity, product: { id: line.productId, name: data.productsById.get(line.productId)!.name, price: { amount: data.prices.get(line.productId)! } } })),
  };
}

function parse(text: string): GraphQLAnswer | undefined {
  try {
    return JSON.parse(text) as GraphQLAnswer;
  } catch {
    return undefined;
  }
}

/** Healthy scenarios: the exact data, no errors, nothing reported degraded. */
export function verifyExact(text: string, expected: Record<string, unknown>): Verdict {
  const answer = parse(text);
  if (!answer || answer.errors || answer.extensions?.degraded) return 'bad';
  return isDeepStrictEqual(answer.data, expected) ? 'exact' : 'bad';
}

/**
 * Fault scenarios on a page: every product present and in order, every field exact except
 * `degradation.field`, which may be exact (fresh or STALE), null, or inventory's DEFAULT; every
 * `errors[]` entry is about that field and every degraded group about its source.
 */
export function verifyDegradedPage(text: string, expectedNodes: unknown[], degradation: Degradation): Verdict {
  const answer = parse(text);
  const nodes = (answer?.data?.products as { nodes?: unknown } | null | undefined)?.nodes;
  if (!answer || !Array.isArray(nodes) || nodes.length !== expectedNodes.length) return 'bad';
  let degraded = false;
  for (const [index, node] of nodes.entries()) {
    const field = productField(node as Record<string, unknown>, expectedNodes[index] as Record<string, unknown>, degradation.field);
    if (field === 'bad') return 'bad';
    degraded ||= field === 'degraded';
  }
  if (answer.errors?.some((error) => error.path?.at(-1) !== degradation.field)) return 'bad';
  if (answer.extensions?.degraded?.some((group) => group.source !== degradation.source)) return 'bad';
  return degraded || answer.errors?.length || answer.extensions?.degraded?.length ? 'degraded' : 'exact';
}

/** An answer Ballast gave at a query's deadline: `data: null` and DEADLINE_EXCEEDED (a cut, not a wrong value). */
export function isCutAtDeadline(text: string): boolean {
  return text.startsWith('{"data":null') && text.includes('"code":"DEADLINE_EXCEEDED"');
}

/**
 * A healthy scenario's answer that came back degraded (under overload: a bulkhead full, an upstream
 * timed out): not throughput, yet honest when every value it shows is the upstream's own, or null /
 * inventory's declared default with that field's source named in `extensions.degraded` (a page of
 * `products: null` needs catalog named). Told apart from wrong answers (a value shown as right that
 * is not, or a fallback the report does not name) in the overload tables.
 */
export function reportedDegradation(text: string, expectedNodes: unknown[]): boolean {
  const answer = parse(text);
  const report = answer?.extensions?.degraded;
  if (!report?.length) return false;
  const reported = (source: string) => report.some((group) => group.source === source);
  const products = answer!.data?.products as { nodes?: unknown } | null | undefined;
  if (products === null) return reported('catalog');
  const nodes = products?.nodes;
  if (!Array.isArray(nodes) || nodes.length !== expectedNodes.length) return false;
  return nodes.every((node: unknown, index) => {
    if (node === null || typeof node !== 'object') return false;
    const { price, inventory, ...rest } = node as Record<string, unknown>;
    const { price: wantPrice, inventory: wantInventory, ...expectedRest } = expectedNodes[index] as Record<string, unknown>;
    const priceOk = isDeepStrictEqual(price, wantPrice) || (price === null && reported('pricing'));
    const inventoryOk = isDeepStrictEqual(inventory, wantInventory) || ((inventory === null || isDeepStrictEqual(inventory, INVENTORY_DEFAULT)) && reported('inventory'));
    return isDeepStrictEqual(rest, expectedRest) && priceOk && inventoryOk;
  });
}

function productField(node: Record<string, unknown>, expected: Record<string, unknown>, field: Degradation['field']): Verdict {
  const { [field]: got, ...rest } = node;
  const { [field]: want, ...expectedRest } = expected;
  if (!isDeepStrictEqual(rest, expectedRest)) return 'bad';
  if (isDeepStrictEqual(got, want)) return 'exact';
  if (got === null || (field === 'inventory' && isDeepStrictEqual(got, INVENTORY_DEFAULT))) return 'degraded';
  return 'bad';
}
