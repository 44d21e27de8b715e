/**
 * `npx tsx bench/overload.ts [--seconds=N]` (or `npm run bench -- --overload`): Ballast as
 * shipped (admission control on) and with admission control off, each at 1x, 2x and 4x its
 * capacity in concurrent clients, on S1 over the demo upstreams. Reports goodput (2xx answers per
 * second) and p99 of the 2xx answers and of all answers; bench/README.md keeps the figures.
 */
import os from 'node:os';
import autocannon from 'autocannon';
import { buildServers, pinSelf, startChild } from './harness/child.js';
import { WORKER_NODE_FLAGS } from '../src/cluster/node-flags.js';
import { SCENARIOS } from './scenarios.js';

/**
 * 1x: 75 concurrent clients, about where one Ballast core reaches its peak throughput on S1 (the
 * main bench runs 50); 4x is then the 300 concurrent clients that pushed p99 past the deadline.
 */
const CAPACITY_CONNECTIONS = 75;
const MULTIPLES = [1, 2, 4];
const VARIANTS = [
  { id: 'shedding', arg: 'shipped', title: 'as shipped (admission control on)' },
  { id: 'no shedding', arg: 'unshed', title: 'admission control off' },
];

const args = process.argv.slice(2);
const seconds = Number(args.find((arg) => arg.startsWith('--seconds='))?.split('=')[1] ?? 5);
const S1 = SCENARIOS.find((scenario) => scenario.id === 'S1')!;

interface OverloadRow {
  variant: string;
  multiple: number;
  connections: number;
  goodput: number;
  shedPerSecond: number;
  p99OkMs: number;
  p99AllMs: number;
  maxOkMs: number;
  errors: number;
  /** Mean time inside Ballast (its own histogram): far below p99 means requests waited before Ballast saw them. */
  serverMeanMs: number;
}

async function main(): Promise<void> {
  buildServers();
  const pinned = os.availableParallelism() > 1 && pinSelf(1);
  const demo = await startChild('demo', 'bench/servers/demo.ts', [], { cpu: pinned ? 1 : undefined });
  const rows: OverloadRow[] = [];
  try {
    for (const variant of VARIANTS) {
      const child = await startChild(variant.id, 'bench/servers/ballast.ts', [variant.arg], { cpu: pinned ? 0 : undefined, env: { BENCH_UPSTREAMS: JSON.stringify(demo.info.urls) }, nodeFlags: WORKER_NODE_FLAGS });
      try {
        const url = child.info.url as string;
        await load(url, CAPACITY_CONNECTIONS, 2); // warm-up
        for (const multiple of MULTIPLES) {
          const before = await serverTotals(url);
          const row = await load(url, CAPACITY_CONNECTIONS * multiple, seconds);
          const after = await serverTotals(url);
          const serverMeanMs = Math.round(((after.seconds - before.seconds) / Math.max(1, after.count - before.count)) * 1000);
          rows.push({ variant: variant.id, multiple, ...row, serverMeanMs });
          console.error(`${variant.id} ${multiple}x: goodput ${Math.round(row.goodput)}/s, p99 ok ${row.p99OkMs} ms, shed ${Math.round(row.shedPerSecond)}/s`);
        }
      } finally {
        await child.stop();
      }
    }
  } finally {
    await demo.stop();
  }
  console.log(render(rows, pinned));
}

/** One autocannon run, timing every response itself so the 2xx answers get their own p99. */
async function load(url: string, connections: number, duration: number): Promise<Omit<OverloadRow, 'variant' | 'multiple' | 'serverMeanMs'>> {
  const okLatencies: number[] = [];
  const allLatencies: number[] = [];
  let shed = 0;
  let instance!: autocannon.Instance;
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    const options = {
      url,
      method: 'POST' as const,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: S1.query }),
      connections,
      duration,
      timeout: 10,
    };
    instance = autocannon(options, (error, result) => (error ? reject(error as Error) : resolve(result)));
  });
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    allLatencies.push(responseTime);
    if (statusCode >= 200 && statusCode < 300) okLatencies.push(responseTime);
    else if (statusCode === 503) shed++;
  });
  const result = await finished;
  return {
    connections,
    goodput: okLatencies.length / duration,
    shedPerSecond: shed / duration,
    p99OkMs: percentile(okLatencies, 0.99),
    p99AllMs: percentile(allLatencies, 0.99),
    maxOkMs: Math.round(Math.max(0, ...okLatencies)),
    errors: result.errors + result.timeouts,
  };
}

/** Sum and count of ballast_graphql_request_duration_seconds over every label, from /metrics. */
async function serverTotals(graphqlUrl: string): Promise<{ seconds: number; count: number }> {
  const text = await (await fetch(new URL('/metrics', graphqlUrl))).text();
  const total = (name: string) => [...text.matchAll(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'gm'))].reduce((sum, match) => sum + Number(match[1]), 0);
  return { seconds: total('ballast_graphql_request_duration_seconds_sum'), count: total('ballast_graphql_request_duration_seconds_count') };
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!);
}

function render(rows: OverloadRow[], pinned: boolean): string {
  const lines = [
    `Overload, S1, ${seconds} s per load, ${os.cpus().length} cores, Node ${process.version}, ${pinned ? 'Ballast on CPU 0, load + upstreams on CPU 1' : 'no pinning'}; 1x = ${CAPACITY_CONNECTIONS} clients`,
    '',
    '| Ballast | load | clients | goodput (2xx/s) | p99 of 2xx ms | max 2xx ms | p99 of all ms | 503/s | errors | mean ms inside Ballast |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((row) => `| ${row.variant} | ${row.multiple}x | ${row.connections} | ${Math.round(row.goodput)} | ${row.p99OkMs} | ${row.maxOkMs} | ${row.p99AllMs} | ${Math.round(row.shedPerSecond)} | ${row.errors} | ${row.serverMeanMs} |`),
  ];
  return lines.join('\n');
}

await main();
