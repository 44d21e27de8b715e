import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { announceReady, stopOnSignal } from './ready.js';
import { s1Products } from './s1-response.js';

/** B0, the ceiling: node:http answering S1's JSON, no GraphQL at all. */
const body = JSON.stringify({ data: { products: { nodes: s1Products() } } });
const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body));
});
server.listen(0, '127.0.0.1', () => announceReady({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql` }));
stopOnSignal(() => new Promise<void>((resolve) => server.close(() => resolve())));
