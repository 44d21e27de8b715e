import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { declaredPricingSchemaDir } from '../../bench/servers/declared-pricing.js';
import { DeclarationError, loadDeclarations } from '../../src/declared/declarations.js';
import { readTypeDefs } from '../../src/declared/schema-files.js';
import { createDemoData } from '../../src/demo/data.js';
import type { BoundOperation } from '../../src/sources/operation.js';
import { FAULT_MATRIX } from '../helpers/fault-matrix.js';
import { startHarness } from '../helpers/harness.js';
import type { GraphQLResponse, Harness } from '../helpers/harness.js';

/**
 * Pricing declared with `@rest` (bench/servers/declared-pricing.ts) instead of the coded source,
 * against the real demo pricing upstream: the same call, the same values, the same currency check
 * and the same degradation matrix (docs/adding-a-data-source.md, "Constant parameters and checks").
 */

const data = createDemoData();
const ids = (count: number) => Array.from({ length: count }, (_, index) => `p-${String(index + 1).padStart(4, '0')}`);
/** Written independently of the gateway's memoised formatter: what a client must see. */
const usd = (amount: number) => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(amount / 100);
const priceOf = (id: string) => ({ amount: data.prices.get(id)!, currency: 'USD', formatted: usd(data.prices.get(id)!) });
const PAGE = `{ products(first: 20) { nodes { id price { amount currency formatted } } } }`;
const nodesOf = (response: GraphQLResponse) => (response.body.data!.products as { nodes: Array<{ id: string; price: unknown }> }).nodes;
const errorsOf = (response: GraphQLResponse) => (response.body.errors ?? []).map((error) => ({ path: error.path, code: error.extensions?.code, source: error.extensions?.source }));

const previousDir = process.env.BALLAST_SCHEMA_DIR;
let schemaDir: string;
beforeAll(() => {
  schemaDir = declaredPricingSchemaDir();
  process.env.BALLAST_SCHEMA_DIR = schemaDir;
});
afterAll(() => {
  if (previousDir === undefined) delete process.env.BALLAST_SCHEMA_DIR;
  else process.env.BALLAST_SCHEMA_DIR = previousDir;
});

describe('pricing declared, healthy', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ sources: { pricing: { maxStaleMs: 0 } } });
  });
  afterAll(() => harness.close());
  beforeEach(() => harness.reset());

  it('answers a page with the exact amounts, currency and formatted price, in one batched call', async () => {
    expect(data.prices.get('p-0001')).toBeGreaterThan(0);
    const response = await harness.query(PAGE);
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.extensions?.degraded).toBeUndefined();
    expect(nodesOf(response)).toEqual(ids(20).map((id) => ({ id, price: priceOf(id) })));
    expect(harness.service('pricing').requests.map((request) => request.url)).toEqual([`/prices?ids=${ids(20).join(',')}&currency=USD`]);
  });

  it('a price in another currency than asked: that price UPSTREAM_BAD_RESPONSE, its neighbours exact', async () => {
    harness.service('pricing').setFault({ wrongCurrencyIds: ['p-0002'] });
    const response = await harness.query(`{ products(first: 3) { nodes { id price { amount currency formatted } } } }`);
    expect(response.status).toBe(200);
    expect(nodesOf(response)).toEqual([
      { id: 'p-0001', price: priceOf('p-0001') },
      { id: 'p-0002', price: null },
      { id: 'p-0003', price: priceOf('p-0003') },
    ]);
    expect(errorsOf(response)).toEqual([{ path: ['products', 'nodes', 1, 'price'], code: 'UPSTREAM_BAD_RESPONSE', source: 'pricing' }]);
    expect(response.body.extensions?.degraded).toEqual([{ source: 'pricing', reason: 'UPSTREAM_BAD_RESPONSE', fallback: 'NULL', paths: [['products', 'nodes', 1, 'price']] }]);
    expect(harness.service('pricing').requestCount).toBe(1);
    // The gateway keeps serving: a normal page still answers exactly.
    harness.reset();
    expect(nodesOf(await harness.query(PAGE))).toEqual(ids(20).map((id) => ({ id, price: priceOf(id) })));
  });
});

describe('pricing declared, shared with the parents that load prices', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness.close());
  beforeEach(() => harness.reset());

  it("a page's prices are loaded ahead by the declared operation, never by the coded one as well", async () => {
    const operations = harness.gateway.state.sources.operations as unknown as Record<string, BoundOperation<object>>;
    expect(nodesOf(await harness.query(PAGE))).toEqual(ids(20).map((id) => ({ id, price: priceOf(id) })));
    expect(operations['Product.price']!.stale.get('p-0020')?.value).toEqual({ amount: data.prices.get('p-0020'), currency: 'USD' });
    expect(operations.price!.stale.size).toBe(0);
    expect(harness.service('pricing').requestCount).toBe(1);
  });

  it("a cart's subtotal and its lines' prices share one pricing call", async () => {
    const lines = data.carts.get('u-1')!;
    expect(lines.length).toBeGreaterThan(1);
    const response = await harness.query(`{ cart(userId: "u-1") { subtotal { amount currency formatted } items { quantity product { id price { amount } } } } }`);
    const subtotal = lines.reduce((sum, line) => sum + data.prices.get(line.productId)! * line.quantity, 0);
    expect(response.body).toEqual({
      data: {
        cart: {
          subtotal: { amount: subtotal, currency: 'USD', formatted: usd(subtotal) },
          items: lines.map((line) => ({ quantity: line.quantity, product: { id: line.productId, price: { amount: data.prices.get(line.productId) } } })),
        },
      },
    });
    expect(harness.service('pricing').requestCount).toBe(1);
  });
});

describe('pricing declared, the currency from the config', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  it('asks in the configured currency: {config.currency} is the gateway value, not a constant', async () => {
    harness = await startHarness({ currency: 'EUR', sources: { pricing: { maxStaleMs: 0, retry: { maxAttempts: 1 } } } });
    const response = await harness.query(`{ product(id: "p-0001") { id price { amount } } }`);
    // The demo prices in USD only and refuses EUR with a 400.
    expect(response.body.data).toEqual({ product: { id: 'p-0001', price: null } });
    expect(harness.service('pricing').requests.map((request) => request.url)).toEqual(['/prices?ids=p-0001&currency=EUR']);
  });
});

const TIMEOUT_MS = 400;
const POLICY = { timeoutMs: TIMEOUT_MS, attemptTimeoutMs: 200, maxStaleMs: 0, retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 }, breaker: { volumeThreshold: 100_000 } };
const FAULT_QUERY = `{ products(first: 3) { nodes { id name price { amount currency formatted } inventory { available status } } } }`;

describe('pricing declared, failing', () => {
  let harness: Harness;
  let healthy: { products: { nodes: Array<Record<string, unknown>> } };
  beforeAll(async () => {
    harness = await startHarness({ sources: { pricing: POLICY } });
    // A cold gateway on a loaded machine may outlast the 200 ms attempts: poll until one answer is whole.
    healthy = await vi.waitFor(
      async () => {
        const { body } = await harness.query(FAULT_QUERY);
        if (body.errors || body.extensions?.degraded) throw new Error('not healthy yet');
        return body.data as typeof healthy;
      },
      { timeout: 15_000, interval: 100 },
    );
    expect(healthy.products.nodes.map((node) => node.price)).toEqual(ids(3).map(priceOf));
  });
  afterAll(() => harness.close());
  beforeEach(() => harness.reset());

  it.each(FAULT_MATRIX)('%s: every price NULL with its reason, every other field exact', async (_name, fault, reason) => {
    harness.service('pricing').setFault(fault);
    const started = performance.now();
    const response = await harness.query(FAULT_QUERY);
    const elapsed = performance.now() - started;
    const paths = [0, 1, 2].map((index) => ['products', 'nodes', index, 'price']);
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({ products: { nodes: healthy.products.nodes.map((node) => ({ ...node, price: null })) } });
    expect(response.body.extensions?.degraded).toEqual([{ source: 'pricing', reason, fallback: 'NULL', paths }]);
    expect(errorsOf(response)).toEqual(expect.arrayContaining(paths.map((path) => ({ path, code: reason, source: 'pricing' }))));
    expect(errorsOf(response)).toHaveLength(3);
    // The bound is the source timeout, not the 1.5 s the fault would take.
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 600);
  });
});

describe('a bad query or match is refused with one line naming it', () => {
  const withPrice = (rest: string) => readTypeDefs(schemaDir).map((text) => text.replace(/price: Money @rest\([^)]*\)/, `price: Money @rest(${rest})`));
  const refusal = (rest: string) => {
    try {
      loadDeclarations(withPrice(rest));
    } catch (error) {
      expect(error).toBeInstanceOf(DeclarationError);
      return (error as Error).message;
    }
    return 'accepted';
  };
  const batch = 'source: "pricing", path: "/prices", batchKey: "ids", keyField: "productId"';

  it.each([
    [`${batch}, query: "currency={config.region}"`, 'schema: Product.price @rest: query: {config.region} is not a gateway value (known: {config.currency}); field arguments are sent as parameters of their own'],
    [`${batch}, query: "ids=x"`, 'schema: Product.price @rest: query: parameter "ids" is already sent (as the keys or a field argument)'],
    [`${batch}, query: "currency"`, 'schema: Product.price @rest: query: "currency" is not name=value'],
    [`${batch}, match: "amount=1"`, 'schema: Product.price @rest: match: "amount" is not a String or ID field of Money'],
    [`${batch}, match: "currency=USD&currency=EUR"`, 'schema: Product.price @rest: match: "currency" is named twice'],
  ])('%s', (rest, message) => {
    expect(refusal(rest)).toBe(message);
  });
});
