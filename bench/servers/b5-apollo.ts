import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { RESTDataSource } from '@apollo/datasource-rest';
import DataLoader from 'dataloader';
import { loadTypeDefs } from '../../src/schema.js';
import { announceReady, LISTEN_BACKLOG, stopOnSignal } from './ready.js';

/**
 * B5, the peer a team would hand-write: Apollo Server 5 + @apollo/datasource-rest + DataLoader,
 * over the same upstreams and schema, with the usual idioms and no resilience layer.
 * `tuned` (B5): cache-control plugin off (it adds a hook per resolved field; the schema sets no
 * cache hints) and every request's data sources share the server's cache, as Apollo's docs
 * advise. `as-written` (B5w): neither, as the first version of this bench had it.
 */
const variant = process.argv[2] ?? 'tuned';
if (variant !== 'tuned' && variant !== 'as-written') throw new Error(`unknown Apollo variant ${variant}`);
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
  page(limit: number, after: string | null | undefined) {
    return this.get<{ items: Product[]; nextCursor: string | null }>('products', { params: after ? { limit: String(limit), cursor: after } : { limit: String(limit) } });
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
    products: async (_: unknown, { first, after }: { first: number; after?: string | null }, { catalog }: Context) => {
      const page = await catalog.page(first, after);
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
      let amount = 0;
      for (const [index, price] of prices.entries()) {
        if (!price || price instanceof Error) return null; // never a subtotal that silently leaves a line out
        amount += price.amount * cart.items[index]!.quantity;
      }
      return { amount, currency: 'USD' };
    },
  },
  CartItem: { product: (line: CartLine, _: unknown, { catalog }: Context) => catalog.byId.load(line.productId) },
};

const tuned = variant === 'tuned';
const server = new ApolloServer<Context>({ typeDefs: loadTypeDefs(), resolvers, introspection: false, plugins: tuned ? [ApolloServerPluginCacheControlDisabled()] : [] });
const { url } = await startStandaloneServer(server, {
  listen: { port: 0, host: '127.0.0.1', backlog: LISTEN_BACKLOG },
  context: async () => {
    const options = tuned ? { cache: server.cache } : undefined;
    return { catalog: new CatalogAPI(options), pricing: new PricingAPI(options), inventory: new InventoryAPI(options), cart: new CartAPI(options) };
  },
});
announceReady({ url: url.replace('localhost', '127.0.0.1') });
stopOnSignal(() => server.stop());
