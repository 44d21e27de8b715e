import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { RESTDataSource } from '@apollo/datasource-rest';
import DataLoader from 'dataloader';
import { loadTypeDefs } from '../../src/schema.js';
import { announceReady, stopOnSignal } from './ready.js';

/**
 * B5, the peer a team would hand-write: Apollo Server 5 + @apollo/datasource-rest + DataLoader,
 * over the same upstreams and schema, with the usual idioms and no resilience layer.
 */
const upstreams = JSON.parse(process.env.BENCH_UPSTREAMS ?? '{}') as Record<string, string>;

interface Product { id: string; name: string; description?: string; category?: string }
interface Price { productId: string; amount: number; currency: string }
interface Stock { productId: string; available: number }
interface CartLine { productId: string; quantity: number }

function byIds<T extends { productId?: string; id?: string }>(ids: readonly string[], items: T[]): Array<T | null> {
  const map = new Map(items.map((item) => [item.productId ?? item.id, item]));
  return ids.map((id) => map.get(id) ?? null);
}

class CatalogAPI extends RESTDataSource {
  override baseURL = `${upstreams.catalog}/`;
  readonly byId = new DataLoader<string, Product | null>(async (ids) => byIds(ids, (await this.get<{ items: Product[] }>('products', { params: { ids: ids.join(',') } })).items));
  page(limit: number) {
    return this.get<{ items: Product[]; nextCursor: string | null }>('products', { params: { limit: String(limit) } });
  }
}

class PricingAPI extends RESTDataSource {
  override baseURL = `${upstreams.pricing}/`;
  readonly byId = new DataLoader<string, Price | null>(async (ids) => byIds(ids, (await this.get<{ items: Price[] }>('prices', { params: { ids: ids.join(','), currency: 'USD' } })).items));
}

class InventoryAPI extends RESTDataSource {
  override baseURL = `${upstreams.inventory}/`;
  readonly byId = new DataLoader<string, Stock | null>(async (ids) => byIds(ids, (await this.get<{ items: Stock[] }>('inventory', { params: { ids: ids.join(',') } })).items));
}

class CartAPI extends RESTDataSource {
  override baseURL = `${upstreams.cart}/`;
  cart(userId: string) {
    return this.get<{ userId: string; items: CartLine[] }>(`carts/${encodeURIComponent(userId)}`);
  }
}

interface Context { catalog: CatalogAPI; pricing: PricingAPI; inventory: InventoryAPI; cart: CartAPI }

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
const status = (available: number) => (available === 0 ? 'OUT_OF_STOCK' : available <= 5 ? 'LOW_STOCK' : 'IN_STOCK');

const resolvers = {
  Query: {
    products: async (_: unknown, { first }: { first: number }, { catalog }: Context) => {
      const page = await catalog.page(first);
      return { nodes: page.items, edges: page.items.map((node) => ({ node, cursor: node.id })), pageInfo: { hasNextPage: page.nextCursor !== null, endCursor: page.nextCursor } };
    },
    product: (_: unknown, { id }: { id: string }, { catalog }: Context) => catalog.byId.load(id),
    cart: (_: unknown, { userId }: { userId: string }, { cart }: Context) => cart.cart(userId),
  },
  Product: {
    price: (product: Product, _: unknown, { pricing }: Context) => pricing.byId.load(product.id),
    inventory: async (product: Product, _: unknown, { inventory }: Context) => {
      const stock = await inventory.byId.load(product.id);
      return stock && { available: stock.available, status: status(stock.available) };
    },
  },
  Money: { formatted: (money: Price) => usd.format(money.amount / 100) },
  Cart: {
    totalQuantity: (cart: { items: CartLine[] }) => cart.items.reduce((sum, line) => sum + line.quantity, 0),
    subtotal: async (cart: { items: CartLine[] }, _: unknown, { pricing }: Context) => {
      const prices = await pricing.byId.loadMany(cart.items.map((line) => line.productId));
      const amount = prices.reduce<number>((sum, price, index) => sum + (price instanceof Error || !price ? 0 : price.amount * cart.items[index]!.quantity), 0);
      return { amount, currency: 'USD' };
    },
  },
  CartItem: { product: (line: CartLine, _: unknown, { catalog }: Context) => catalog.byId.load(line.productId) },
};

const server = new ApolloServer<Context>({ typeDefs: loadTypeDefs(), resolvers, introspection: false });
const { url } = await startStandaloneServer(server, {
  listen: { port: 0, host: '127.0.0.1' },
  context: async () => ({ catalog: new CatalogAPI(), pricing: new PricingAPI(), inventory: new InventoryAPI(), cart: new CartAPI() }),
});
announceReady({ url: url.replace('localhost', '127.0.0.1') });
stopOnSignal(() => server.stop());
