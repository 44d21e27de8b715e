import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEMO_PRODUCT_COUNT } from '../../src/demo/data.js';
import { announceReady, LISTEN_BACKLOG, stopOnSignal } from './ready.js';
import { pageFromMemory, s1Products } from './s1-response.js';

/**
 * B0, the ceiling: node:http answering S1's pages as JSON, no GraphQL at all. It reads only the
 * `after` variable, and adds `pageInfo` when the query names it (the harness's cursor walk).
 */
const products = s1Products(DEMO_PRODUCT_COUNT);
const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const { query, variables } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query: string; variables?: { after?: string | null } };
    const page = pageFromMemory(products, 20, variables?.after);
    const body = JSON.stringify({ data: { products: query.includes('pageInfo') ? { pageInfo: page.pageInfo } : { nodes: page.nodes } } });
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  });
});
server.listen({ port: 0, host: '127.0.0.1', backlog: LISTEN_BACKLOG }, () => announceReady({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql` }));
stopOnSignal(() => new Promise<void>((resolve) => server.close(() => resolve())));
