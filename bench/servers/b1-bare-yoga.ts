import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga } from 'graphql-yoga';
import { loadTypeDefs } from '../../src/schema.js';
import { announceReady, stopOnSignal } from './ready.js';
import { s1Products } from './s1-response.js';

/** B1, the framework floor: Yoga over the same schema, S1 answered from memory. */
const products = s1Products(100);
const yoga = createYoga({
  schema: createSchema({
    typeDefs: loadTypeDefs(),
    resolvers: { Query: { products: (_: unknown, args: { first: number }) => ({ nodes: products.slice(0, args.first), edges: [], pageInfo: { hasNextPage: true, endCursor: null } }) } },
  }),
  logging: false,
  landingPage: false,
  graphiql: false,
});
const server = createServer(yoga);
server.listen(0, '127.0.0.1', () => announceReady({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql` }));
stopOnSignal(() => new Promise<void>((resolve) => server.close(() => resolve())));
