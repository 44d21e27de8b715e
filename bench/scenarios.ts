import { WORKER_NODE_FLAGS } from '../src/cluster/node-flags.js';
import type { Fault } from '../src/demo/faults.js';
import type { Degradation } from './harness/verify.js';

export interface Scenario {
  id: string;
  title: string;
  query: string;
  /** `pages`: every page of the catalog in turn (`$after`); `carts`: every demo cart in turn (`$userId`). */
  workload: 'pages' | 'carts';
  /** Faults set on the demo services for the scenario, cleared after it. */
  faults: Partial<Record<'catalog' | 'inventory' | 'pricing' | 'cart' | 'favorites', Fault>>;
  /** Fault scenarios: the one field allowed to degrade (everything else must stay exact). */
  degrades?: Degradation;
}

const S1_QUERY = 'query S1($after: String) { products(first: 20, after: $after) { nodes { id name price { amount currency formatted } inventory { available status } } } }';
const S2_QUERY = 'query S2($userId: ID!) { cart(userId: $userId) { totalQuantity subtotal { amount formatted } items { quantity product { id name price { amount } } } } }';
const INVENTORY: Degradation = { field: 'inventory', source: 'inventory' };

export const SCENARIOS: Scenario[] = [
  { id: 'S1', title: '20 products with price + inventory, every page in turn', query: S1_QUERY, workload: 'pages', faults: {} },
  { id: 'S2', title: 'a cart with subtotal (the 4 demo carts, 1–10 lines, in turn)', query: S2_QUERY, workload: 'carts', faults: {} },
  { id: 'S3', title: 'S1, inventory failing 100% (breaker open)', query: S1_QUERY, workload: 'pages', faults: { inventory: { errorRate: 1, errorStatus: 500 } }, degrades: INVENTORY },
  // 1 call in 10 fails: within Ballast's retry budget (20% of calls), so its retries succeed and
  // this measures their cost; at 1 in 3 the budget runs out and it would measure stale fallbacks.
  { id: 'S5', title: 'S1, pricing failing 1 call in 10 (retries that succeed)', query: S1_QUERY, workload: 'pages', faults: { pricing: { errorRate: 0.1, errorStatus: 503 } }, degrades: { field: 'price', source: 'pricing' } },
  // Last: a peer without timeouts leaves hung sockets behind, which must not spill into other scenarios.
  { id: 'S4', title: 'S1, inventory hanging, 200 ms field timeout', query: S1_QUERY, workload: 'pages', faults: { inventory: { hang: true } }, degrades: INVENTORY },
];

export interface ServerSpec {
  id: string;
  title: string;
  script: string;
  args: string[];
  scenarios: string[];
  /** Node flags: every server gets Ballast's worker flags, so no ratio rests on a runtime setting. */
  nodeFlags: readonly string[];
}

const ALL = ['S1', 'S2', 'S3', 'S5', 'S4'];

export const SERVERS: ServerSpec[] = [
  { id: 'B0', title: 'bare node:http, S1 pages from memory', script: 'bench/servers/b0-bare-http.ts', args: [], scenarios: ['S1'], nodeFlags: WORKER_NODE_FLAGS },
  { id: 'B1', title: 'bare Yoga + graphql-jit, S1 pages from memory', script: 'bench/servers/b1-bare-yoga.ts', args: [], scenarios: ['S1'], nodeFlags: WORKER_NODE_FLAGS },
  { id: 'B6', title: 'leanest BFF: Yoga + graphql-jit + DataLoader + undici', script: 'bench/servers/b6-lean-bff.ts', args: [], scenarios: ALL, nodeFlags: WORKER_NODE_FLAGS },
  { id: 'B2', title: 'Ballast, naive (no batching)', script: 'bench/servers/ballast.ts', args: ['naive'], scenarios: ALL, nodeFlags: WORKER_NODE_FLAGS },
  { id: 'B3', title: 'Ballast, resilience off', script: 'bench/servers/ballast.ts', args: ['bare'], scenarios: ALL, nodeFlags: WORKER_NODE_FLAGS },
  { id: 'B4', title: 'Ballast as shipped', script: 'bench/servers/ballast.ts', args: ['shipped'], scenarios: ALL, nodeFlags: WORKER_NODE_FLAGS },
  { id: 'B4d', title: 'Ballast as shipped, pricing declared with @rest instead of coded', script: 'bench/servers/ballast.ts', args: ['declared-pricing'], scenarios: ALL, nodeFlags: WORKER_NODE_FLAGS },
  { id: 'B5', title: 'Apollo Server 5 + datasource-rest + DataLoader, tuned', script: 'bench/servers/b5-apollo.ts', args: ['tuned'], scenarios: ALL, nodeFlags: WORKER_NODE_FLAGS },
  { id: 'B5w', title: 'Apollo Server 5 as first written (cache-control on, no shared cache)', script: 'bench/servers/b5-apollo.ts', args: ['as-written'], scenarios: ['S1', 'S2'], nodeFlags: WORKER_NODE_FLAGS },
];
