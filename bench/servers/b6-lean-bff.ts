import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { useGraphQlJit } from '@envelop/graphql-jit';
import DataLoader from 'dataloader';
import { createSchema, createYoga } from 'graphql-yoga';
import { Pool } from 'undici';
import { loadTypeDefs } from '../../src/schema.js';
import { announceReady, LISTEN_BACKLOG, stopOnSignal } from './ready.js';

/**
 * B6, the leanest honest BFF: bare Yoga + graphql-jit + DataLoader + undici pools over the same
 * upstreams and schema, and nothing else (no resilience, metrics, limits or plugins). What any
 * gateway must spend to answer S1 and S2: the floor Ballast's own cost is measured against.
 */
const upstreams = JSON.parse(process.env.BENCH_UPSTREAMS ?? '{}') as Record<string, string>;
/** Ballast's shipped default connections per source, so both reach the upstreams alike. */
const CONNECTIONS = 32;
const pools = new Map(Object.entries(upstreams).map(([name, url]) => [name, new Pool(url, { connections: CONNECTIONS })]));

async function getJson<T>(source: string, path: string): Promise<T> {
  const { statusCode, body } = await pools.get(source)!.request({ method: 'GET', path });
  if (statusCode !== 200) {
    await body.dump();
    throw new Error(`${source} answered ${statusCode}`);
  }
  return (await body.json()) as T;
}

interface Product { id: string; name: string }
interface Price { productId: string; amount: number; currency: string }
interface Stock { productId: string; available: number }
interface CartLine { productId: string; quantity: number }

function batchLoader<T extends { productId?: string; id?: string }>(source: string, path: (ids: string) => string): DataLoader<string, T | null> {
  return new DataLoader(async (ids) => {
    const { items } = await getJson<{ items: T[] }>(source, path(ids.map(encodeURIComponent).join(',')));
    const byKey = new Map(items.map((item) => [item.productId ?? item.id, item]));
    return ids.map((id) => byKey.get(id) ?? null);
  });
}

interface Context { product: DataLoader<string, Product | null>; price: DataLoader<string, Price | null>; stock: DataLoader<string, Stock | null> }

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
const status = (available: number) => (available === 0 ? 'OUT_OF_STOCK' : available <= 5 ? 'LOW_STOCK' : 'IN_STOCK');

const resolvers = {
  Query: {
    products: async (_: unknown, { first, after }: { first: number; after?: string | null }) => {
      const cursor = after ? `&cursor=${encodeURIComponent(after)}` : '';
      const page = await getJson<{ items: Product[]; nextCursor: string | null }>('catalog', `/products?limit=${first}${cursor}`);
      return { nodes: page.items, edges: page.items.map((node) => ({ node, cursor: node.id })), pageInfo: { hasNextPage: page.nextCursor !== null, endCursor: page.nextCursor } };
    },
    product: (_: unknown, { id }: { id: string }, context: Context) => context.product.load(id),
    cart: (_: unknown, { userId }: { userId: string }) => getJson<{ userId: string; items: CartLine[] }>('cart', `/carts/${encodeURIComponent(userId)}`),
  },
  Product: {
    price: (product: Product, _: unknown, context: Context) => context.price.load(product.id),
    inventory: async (product: Product, _: unknown, context: Context) => {
      const stock = await context.stock.load(product.id);
      return stock && { available: stock.available, status: status(stock.available) };
    },
  },
  Money: { formatted: (money: Price) => usd.format(money.amount / 100) },
  Cart: {
    totalQuantity: (cart: { items: CartLine[] }) => cart.items.reduce((sum, line) => sum + line.quantity, 0),
    subtotal: async (cart: { items: CartLine[] }, _: unknown, context: Context) => {
      const prices = await context.price.loadMany(cart.items.map((line) => line.productId));
      let amount = 0;
      for (const [index, price] of prices.entries()) {
        if (!price || price instanceof Error) return null; // never a subtotal that silently leaves a line out
        amount += price.amount * cart.items[index]!.quantity;
      }
      return { amount, currency: 'USD' };
    },
  },
  CartItem: { product: (line: CartLine, _: unknown, context: Context) => context.product.load(line.productId) },
};

const yoga = createYoga<object, Context>({
  schema: createSchema({ typeDefs: loadTypeDefs(), resolvers }),
  plugins: [useGraphQlJit()],
  context: () => ({
    product: batchLoader<Product>('catalog', (ids) => `/products?ids=${ids}`),
    price: batchLoader<Price>('pricing', (ids) => `/prices?ids=${ids}&currency=USD`),
    stock: batchLoader<Stock>('inventory', (ids) => `/inventory?ids=${ids}`),
  }),
  maxRequestBodySize: false, // Ballast turns Yoga's streaming limit off too (it checks Content-Length itself)
  logging: false,
  landingPage: false,
  graphiql: false,
});
const server = createServer(yoga);
server.listen({ port: 0, host: '127.0.0.1', backlog: LISTEN_BACKLOG }, () => announceReady({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql` }));
stopOnSignal(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await Promise.all([...pools.values()].map((pool) => pool.close()));
});
