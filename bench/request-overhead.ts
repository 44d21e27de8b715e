/**
 * `npx tsx bench/request-overhead.ts --roots=/a,/b [--query=T0|S1] [--batches=20] [--seconds=0.3] [--connections=8]`:
 * CPU µs per request of Ballast as shipped from two or more checkouts (each built with
 * `tsc -p tsconfig.bench.json`), all in this one process, loaded over loopback HTTP in alternating
 * short batches (A, B, A, B, … a fraction of a second each), so a shared host's noise falls on
 * every checkout alike: finer interleaving than bench/cpu-ab.ts's whole-process rounds, for cuts of
 * a few percent on a host too busy for those. The CPU is this process's (`process.cpuUsage`), load
 * generator included: the same for every checkout, so differences between checkouts are the
 * servers'. `T0` is `{ __typename }` (no upstream call: the per-request path alone); `S1` asks
 * the bench's demo upstreams (their own process) for every page in turn. Every answer is checked;
 * a bad one is counted and printed, never hidden in the figure.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startChild } from './harness/child.js';
import { closedLoop } from './harness/load.js';
import type { Workload } from './harness/load.js';
import { walkCursors, workloadFor } from './harness/workload.js';
import { SCENARIOS } from './scenarios.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => args.find((entry) => entry.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const roots = arg('roots', process.cwd()).split(',');
const query = arg('query', 'T0');
const batches = Number(arg('batches', '20'));
/** Each batch's length: short, so the host's noise changes little between the checkouts' turns. */
const seconds = Number(arg('seconds', '0.3'));
const connections = Number(arg('connections', '8'));

const TYPENAME_ONLY: Workload = { bodies: [JSON.stringify({ query: '{ __typename }' })], verify: (_, text) => (text === '{"data":{"__typename":"Query"}}' ? 'exact' : 'bad') };

interface Started {
  root: string;
  url: string;
  close(): Promise<void>;
}

/** Ballast as bench/servers/ballast.ts starts it ("shipped"), from `root`'s compiled `dist/`. */
async function startBallast(root: string, upstreams: Record<string, string>): Promise<Started> {
  const load = (file: string) => import(pathToFileURL(path.resolve(root, 'dist/src', file)).href);
  const [{ resolveConfig }, { createGateway }, { createLogger }, { ALL_SOURCE_NAMES }] = await Promise.all([
    load('config.js'),
    load('server.js'),
    load('observability/logger.js'),
    load('declared/names.js'),
  ]);
  const sources = Object.fromEntries((ALL_SOURCE_NAMES as string[]).map((name) => [name, { url: upstreams[name] }]));
  const config = resolveConfig({ port: 0, host: '127.0.0.1', mode: 'production', logLevel: 'warn', fieldTimeouts: { 'Product.inventory': 200 } }, { sources });
  const gateway = createGateway(config, { logger: createLogger('warn') });
  const url = `${await gateway.listen()}/graphql`;
  return { root, url, close: () => gateway.close() };
}

/** Closed loop of about `requests` requests; the CPU this process spent on them, per request. */
async function batch(server: Started, workload: Workload, seconds: number): Promise<{ micros: number; requests: number; bad: number }> {
  const before = process.cpuUsage();
  const result = await closedLoop(server.url, workload, seconds, connections);
  const used = process.cpuUsage(before);
  return { micros: (used.user + used.system) / result.requests, requests: result.requests, bad: result.wrong + result.non2xx + result.errors };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const demo = await startChild('demo', 'bench/servers/demo.ts', []);
const servers: Started[] = [];
try {
  for (const root of roots) servers.push(await startBallast(root, demo.info.urls as Record<string, string>));
  const workloads = new Map<Started, Workload>();
  for (const server of servers) workloads.set(server, query === 'T0' ? TYPENAME_ONLY : workloadFor(SCENARIOS.find((entry) => entry.id === query)!, await walkCursors(server.url)));
  // Warm-up: JIT, caches.
  for (const server of servers) await batch(server, workloads.get(server)!, 1);
  const figures = new Map<Started, number[]>(servers.map((server) => [server, []]));
  const bad = new Map<Started, number>(servers.map((server) => [server, 0]));
  for (let round = 0; round < batches; round++) {
    // Alternate which checkout goes first, so neither always follows the other's garbage.
    for (const server of round % 2 ? [...servers].reverse() : servers) {
      const measured = await batch(server, workloads.get(server)!, seconds);
      figures.get(server)!.push(measured.micros);
      bad.set(server, bad.get(server)! + measured.bad);
    }
  }
  const base = median(figures.get(servers[0]!)!);
  for (const server of servers) {
    const values = figures.get(server)!;
    const ratios = values.map((value, index) => value / figures.get(servers[0]!)![index]!);
    console.log(
      `${server.root} ${query}: median ${Math.round(median(values))} µs/req (min ${Math.round(Math.min(...values))}, max ${Math.round(Math.max(...values))}), ` +
        `vs first ${(median(values) / base).toFixed(3)} (median of paired ratios ${median(ratios).toFixed(3)}), bad ${bad.get(server)}`,
    );
  }
} finally {
  for (const server of servers) await server.close();
  await demo.stop();
}
