/**
 * `npm run bench -- --tracing [--rounds=N] [--seconds=N] [--scenarios=S1,S2]`: what tracing costs.
 * Ballast as shipped (B4) with tracing off, twice (two processes: their difference is the noise
 * floor), and with tracing on at 10% and at 100% sampling (parent-based trace-id ratio), each
 * exporting OTLP/HTTP to its own receiver in this process that counts the spans it gets. The four
 * run side by side, round by round in turn (A/B/C/D, A/B/C/D, ...), so a machine shared with
 * other work slows them alike. bench/README.md "Tracing overhead" keeps the figures.
 */
import os from 'node:os';
import { buildServers, pinSelf, startChild } from './harness/child.js';
import type { Child } from './harness/child.js';
import { closedLoop } from './harness/load.js';
import type { LoadResult, Workload } from './harness/load.js';
import { walkCursors, workloadFor } from './harness/workload.js';
import { WORKER_NODE_FLAGS } from '../src/cluster/node-flags.js';
import { startOtlpReceiver, spansIn } from '../test/helpers/otlp.js';
import type { OtlpReceiver } from '../test/helpers/otlp.js';
import { SCENARIOS } from './scenarios.js';

interface Variant {
  id: string;
  title: string;
  /** Sampling ratio, or undefined for tracing off (no OTLP endpoint: the SDK is never loaded). */
  ratio?: number;
}

const VARIANTS: Variant[] = [
  { id: 'B4', title: 'tracing off' },
  { id: 'B4t10', title: 'tracing on, 10% sampled', ratio: 0.1 },
  { id: 'B4b', title: 'tracing off (second process: the noise floor)' },
  { id: 'B4t100', title: 'tracing on, 100% sampled', ratio: 1 },
];

const args = process.argv.slice(2);
const numberArg = (name: string, fallback: number) => Number(args.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const rounds = numberArg('rounds', 4);
const seconds = numberArg('seconds', 5);
const WARMUP_SECONDS = 3;
/** OTLP's span kind of a request span. */
const SERVER_KIND = 2;
const CONNECTIONS = 50;
const scenarioIds = args.find((arg) => arg.startsWith('--scenarios='))?.split('=')[1]?.split(',') ?? ['S1', 'S2'];

interface Running {
  variant: Variant;
  child: Child;
  receiver: OtlpReceiver | undefined;
  cursors: Array<string | null>;
  /** Every GraphQL request sent to it (cursor walk, warm-ups, rounds): what sampling picks from. */
  sent: number;
}

interface Row {
  variant: Variant;
  scenario: string;
  /** Median round's good answers per second. */
  requestsPerSecond: number;
  p99Ms: number;
  cpuMicrosPerRequest: number;
  requests: number;
  bad: number;
}

async function main(): Promise<void> {
  buildServers();
  const pinned = os.availableParallelism() > 1 && pinSelf(1);
  const demo = await startChild('demo', 'bench/servers/demo.ts', [], { cpu: pinned ? 1 : undefined });
  const running: Running[] = [];
  const rows: Row[] = [];
  try {
    for (const variant of VARIANTS) running.push(await start(variant, demo.info.urls as Record<string, string>, pinned));
    for (const scenarioId of scenarioIds) rows.push(...(await interleaved(running, scenarioId)));
  } finally {
    for (const entry of running) await entry.child.stop(); // each exports its queued spans on the way out
    await demo.stop();
  }
  const spans = new Map(running.map((entry) => [entry.variant.id, entry.receiver ? spansIn(entry.receiver.bodies) : []]));
  for (const entry of running) entry.receiver?.server.close();
  console.log(render(rows, running, spans, pinned));
}

async function start(variant: Variant, upstreams: Record<string, string>, pinned: boolean): Promise<Running> {
  const receiver = variant.ratio === undefined ? undefined : await startOtlpReceiver();
  const tracingEnv: Record<string, string> = receiver
    ? { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: String(variant.ratio) }
    : {};
  const child = await startChild(variant.id, 'bench/servers/ballast.ts', ['shipped'], {
    cpu: pinned ? 0 : undefined,
    env: { BENCH_UPSTREAMS: JSON.stringify(upstreams), ...tracingEnv },
    nodeFlags: WORKER_NODE_FLAGS,
  });
  try {
    const cursors = await walkCursors(child.info.url as string);
    return { variant, child, receiver, cursors, sent: cursors.length };
  } catch (error) {
    // Not yet in the caller's list of running children: stop it here, or it outlives the bench.
    await child.stop();
    receiver?.server.close();
    throw error;
  }
}

/** Every variant warmed up, then `rounds` rounds of each in turn; CPU summed over its own rounds. */
async function interleaved(running: Running[], scenarioId: string): Promise<Row[]> {
  const scenario = SCENARIOS.find((entry) => entry.id === scenarioId)!;
  const workloads = running.map((entry) => workloadFor(scenario, entry.cursors));
  for (const [index, entry] of running.entries()) entry.sent += (await closedLoop(entry.child.info.url as string, workloads[index]!, WARMUP_SECONDS, CONNECTIONS)).requests;
  const results: LoadResult[][] = running.map(() => []);
  const cpu = running.map(() => 0);
  for (let round = 0; round < rounds; round++) {
    for (const [index, entry] of running.entries()) {
      const before = entry.child.cpuMicros();
      const result = await oneRound(entry, workloads[index]!);
      cpu[index]! += entry.child.cpuMicros() - before;
      entry.sent += result.requests;
      results[index]!.push(result);
      console.error(`${entry.variant.id} ${scenarioId} round ${round + 1}: ${Math.round(result.requestsPerSecond)} good/s, p99 ${result.p99Ms} ms`);
    }
  }
  return running.map((entry, index) => {
    const all = results[index]!;
    const requests = all.reduce((sum, result) => sum + result.requests, 0);
    const sorted = [...all].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
    const middle = sorted[Math.floor(sorted.length / 2)]!;
    const bad = all.reduce((sum, result) => sum + result.wrong + result.non2xx + result.errors, 0);
    return { variant: entry.variant, scenario: scenarioId, requestsPerSecond: middle.requestsPerSecond, p99Ms: middle.p99Ms, cpuMicrosPerRequest: cpu[index]! / requests, requests, bad };
  });
}

function oneRound(entry: Running, workload: Workload): Promise<LoadResult> {
  return closedLoop(entry.child.info.url as string, workload, seconds, CONNECTIONS);
}

function render(rows: Row[], running: Running[], spans: Map<string, ReturnType<typeof spansIn>>, pinned: boolean): string {
  const lines = [
    `Tracing overhead, ${new Date().toISOString()}: ${os.cpus()[0]?.model ?? 'unknown cpu'}, ${os.cpus().length} cores, Node ${process.version}, load average ${os.loadavg().map((load) => load.toFixed(1)).join(' ')}`,
    `${rounds} interleaved rounds of ${seconds} s per variant and scenario, ${CONNECTIONS} connections, median round; ${pinned ? 'servers on CPU 0, load and upstreams on CPU 1' : 'no pinning'}`,
    '',
    '| variant | scenario | good answers/s | p99 ms | CPU µs/request | requests | bad |',
    '|---|---|---:|---:|---:|---:|---:|',
    ...rows.map((row) => `| ${row.variant.id} ${row.variant.title} | ${row.scenario} | ${Math.round(row.requestsPerSecond)} | ${row.p99Ms} | ${Math.round(row.cpuMicrosPerRequest)} | ${row.requests} | ${row.bad} |`),
    '',
    '| variant | requests sent (walk, warm-ups, rounds) | traces received (request spans) | share traced | spans received | spans per trace |',
    '|---|---:|---:|---:|---:|---:|',
    ...running.map(({ variant, sent }) => {
      const received = spans.get(variant.id) ?? [];
      const traces = received.filter((span) => span.kind === SERVER_KIND).length;
      const perTrace = traces ? (received.length / traces).toFixed(1) : '-';
      return `| ${variant.id} | ${sent} | ${traces} | ${((traces / sent) * 100).toFixed(1)}% | ${received.length} | ${perTrace} |`;
    }),
  ];
  return lines.join('\n');
}

await main();
