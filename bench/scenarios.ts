import { WORKER_NODE_FLAGS } from '../src/cluster/node-flags.js';
import type { Fault } from '../src/demo/faults.js';

export interface Scenario {
  id: string;
  title: string;
  query: string;
  /** Faults set on the demo services for the scenario, cleared after it. */
  faults: Partial<Record<'catalog' | 'inventory' | 'pricing' | 'cart' | 'favorites', Fault>>;
}

const S1_QUERY = `{ products(first: 20) { nodes { id name price { amount currency formatted } inventory { available status } } } }`;

export const SCENARIOS: Scenario[] = [
  { id: 'S1', title: '20 products with price + inventory', query: S1_QUERY, faults: {} },
  { id: 'S2', title: 'cart of 10 lines with subtotal', query: `{ cart(userId: "u-2") { totalQuantity subtotal { amount formatted } items { quantity product { id name price { amount } } } } }`, faults: {} },
  { id: 'S3', title: 'S1, inventory failing 100% (breaker open)', query: S1_QUERY, faults: { inventory: { errorRate: 1, errorStatus: 500 } } },
  { id: 'S5', title: 'S1, pricing failing 50% (retries)', query: S1_QUERY, faults: { pricing: { errorRate: 0.5, errorStatus: 503 } } },
  // Last: a peer without timeouts leaves hung sockets behind, which must not spill into other scenarios.
  { id: 'S4', title: 'S1, inventory hanging, 200 ms field timeout', query: S1_QUERY, faults: { inventory: { hang: true } } },
];

export interface ServerSpec {
  id: string;
  title: string;
  script: string;
  args: string[];
  scenarios: string[];
  /** Node flags the server ships with: Ballast's workers run with WORKER_NODE_FLAGS. */
  nodeFlags: readonly string[];
}

export const SERVERS: ServerSpec[] = [
  { id: 'B0', title: 'bare node:http, S1 JSON', script: 'bench/servers/b0-bare-http.ts', args: [], scenarios: ['S1'], nodeFlags: [] },
  { id: 'B1', title: 'bare Yoga, S1 from memory', script: 'bench/servers/b1-bare-yoga.ts', args: [], scenarios: ['S1'], nodeFlags: [] },
  { id: 'B2', title: 'Ballast, naive (no batching)', script: 'bench/servers/ballast.ts', args: ['naive'], scenarios: ['S1', 'S2', 'S3', 'S5', 'S4'], nodeFlags: WORKER_NODE_FLAGS },
  { id: 'B3', title: 'Ballast, resilience off', script: 'bench/servers/ballast.ts', args: ['bare'], scenarios: ['S1', 'S2', 'S3', 'S5', 'S4'], nodeFlags: WORKER_NODE_FLAGS },
  { id: 'B4', title: 'Ballast as shipped', script: 'bench/servers/ballast.ts', args: ['shipped'], scenarios: ['S1', 'S2', 'S3', 'S5', 'S4'], nodeFlags: WORKER_NODE_FLAGS },
  { id: 'B5', title: 'Apollo Server 5 + datasource-rest + DataLoader', script: 'bench/servers/b5-apollo.ts', args: [], scenarios: ['S1', 'S2', 'S3', 'S5', 'S4'], nodeFlags: [] },
];
