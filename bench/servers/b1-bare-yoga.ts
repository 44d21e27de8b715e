import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { createSchema, createYoga } from 'graphql-yoga';
import { DEMO_PRODUCT_COUNT } from '../../src/demo/data.js';
import { loadTypeDefs } from '../../src/schema.js';
import { announceReady, LISTEN_BACKLOG, stopOnSignal } from './ready.js';
import { pageFromMemory, s1Products } from './s1-response.js';

/**
 * B1, the framework floor: Yoga over the same schema, S1's pages answered from memory, with the
 * two settings Ballast itself uses (graphql-jit, no streaming body limit).
 */
const products = s1Products(DEMO_PRODUCT_COUNT);
const yoga = createYoga({
  schema: createSchema({
    typeDefs: loadTypeDefs(),
    resolvers: { Query: { products: (_: unknown, args: { first: number; after?: string | null }) => pageFromMemory(products, args.first, args.after) } },
  }),
  plugins: [useGraphQlJit()],
  maxRequestBodySize: false,
  logging: false,
  landingPage: false,
  graphiql: false,
});
const server = createServer(yoga);
server.listen({ port: 0, host: '127.0.0.1', backlog: LISTEN_BACKLOG }, () => announceReady({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql` }));
stopOnSignal(() => new Promise<void>((resolve) => server.close(() => resolve())));
