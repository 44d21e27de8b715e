/**
 * `npm run bench [-- --quick] [-- --servers=B4,B5] [-- --scenarios=S1,S2]`: every server of
 * bench/scenarios.ts against the same demo upstreams (5 ms latency, own process), one after the
 * other, servers pinned to CPU 0 and the load generator and upstreams to CPU 1 where taskset
 * exists. Writes bench/results/latest.{md,json} and prints the table with the targets.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { buildServers, pinSelf, startChild } from './harness/child.js';
import type { Child } from './harness/child.js';
import { median, runLoad } from './harness/load.js';
import type { LoadResult } from './harness/load.js';
import { evaluateTargets, failedCorrectness, renderMarkdown } from './harness/report.js';
import type { Row } from './harness/report.js';
import { setFault, UpstreamCounter } from './harness/upstream-counter.js';
import { WORKER_NODE_FLAGS } from '../src/cluster/node-flags.js';
import { SCENARIOS, SERVERS } from './scenarios.js';
import type { Scenario } from './scenarios.js';

const args = process.argv.slice(2);
// `npm run bench -- --overload`: the separate overload scenario instead (bench/overload.ts).
if (args.includes('--overload')) {
  await import('./overload.js');
  process.exit(0);
}
const quick = args.includes('--quick');
const listArg = (name: string) => args.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1]?.split(',');
const settings = quick ? { warmupSeconds: 1, rounds: 1, seconds: 1, probes: 3 } : { warmupSeconds: 3, rounds: 3, seconds: 5, probes: 20 };
/** Quick mode (CI smoke test) runs every server on S1 and the Ballast variants on S3 too. */
const QUICK_SCENARIOS = ['S1', 'S3'];
/**
 * `--same-node-flags`: every server runs with Ballast's worker flags, so the ratios show what is
 * left when the baselines get the same runtime tuning (bench/README.md reports both).
 */
const sameNodeFlags = args.includes('--same-node-flags');
/**
 * Warm-up of a scenario with faults, longer than the breaker's 10 s rolling window: otherwise the
 * window still holds the previous scenario's successes, the breaker of S3 is not open yet, and
 * the rounds measure the transition instead of the steady state the scenario names.
 */
const FAULT_WARMUP_SECONDS = 11;
const SERVER_CPU = 0;
const LOAD_CPU = 1;

async function main(): Promise<void> {
  buildServers();
  const pinned = os.availableParallelism() > 1 && pinSelf(LOAD_CPU);
  const demo = await startChild('demo', 'bench/servers/demo.ts', [], { cpu: pinned ? LOAD_CPU : undefined });
  const urls = demo.info.urls as Record<string, string>;
  const counter = new UpstreamCounter(urls);
  const rows: Row[] = [];
  try {
    for (const server of SERVERS.filter((spec) => !listArg('servers') || listArg('servers')!.includes(spec.id))) {
      const nodeFlags = sameNodeFlags ? WORKER_NODE_FLAGS : server.nodeFlags;
      const child = await startChild(server.id, server.script, server.args, { cpu: pinned ? SERVER_CPU : undefined, env: { BENCH_UPSTREAMS: JSON.stringify(urls) }, nodeFlags });
      try {
        const serverRows: Row[] = [];
        const wanted = listArg('scenarios') ?? (quick ? QUICK_SCENARIOS : undefined);
        for (const scenario of SCENARIOS.filter((entry) => server.scenarios.includes(entry.id) && (!wanted || wanted.includes(entry.id)))) {
          const row = await measure(child, scenario, urls, counter);
          serverRows.push({ ...row, server: server.id, serverTitle: server.title });
          console.error(`${server.id} ${scenario.id}: ${Math.round(row.requestsPerSecond)} req/s, p99 ${row.p99Ms} ms, ${row.upstreamCallsPerQuery.toFixed(2)} calls/query`);
        }
        const peak = child.peakRssMiB();
        rows.push(...serverRows.map((row) => ({ ...row, peakRssMiB: peak })));
      } finally {
        await child.stop();
      }
    }
  } finally {
    await demo.stop();
  }
  report(rows, pinned);
}

async function measure(child: Child, scenario: Scenario, urls: Record<string, string>, counter: UpstreamCounter): Promise<Omit<Row, 'server' | 'serverTitle'>> {
  const url = child.info.url as string;
  const body = JSON.stringify({ query: scenario.query });
  for (const [source, fault] of Object.entries(scenario.faults)) await setFault(urls, source, fault);
  try {
    const faulty = Object.keys(scenario.faults).length > 0;
    await runLoad(url, body, faulty && !quick ? Math.max(settings.warmupSeconds, FAULT_WARMUP_SECONDS) : settings.warmupSeconds);
    const upstreamCallsPerQuery = await probeUpstreamCalls(url, body, counter);
    const cpuBefore = child.cpuMicros();
    const rounds: LoadResult[] = [];
    for (let round = 0; round < settings.rounds; round++) rounds.push(await runLoad(url, body, settings.seconds));
    const cpu = child.cpuMicros() - cpuBefore;
    const requests = rounds.reduce((sum, round) => sum + round.requests, 0);
    const result = median(rounds);
    return {
      scenario: scenario.id,
      requestsPerSecond: result.requestsPerSecond,
      p50Ms: result.p50Ms,
      p99Ms: result.p99Ms,
      non2xx: rounds.reduce((sum, round) => sum + round.non2xx, 0),
      errors: rounds.reduce((sum, round) => sum + round.errors, 0),
      upstreamCallsPerQuery,
      cpuMicrosPerRequest: requests > 0 ? cpu / requests : Number.NaN,
      peakRssMiB: 0,
    };
  } finally {
    for (const source of Object.keys(scenario.faults)) await setFault(urls, source, undefined);
  }
}

/** Exact upstream calls per query: sequential requests, counted at the demo services. */
async function probeUpstreamCalls(url: string, body: string, counter: UpstreamCounter): Promise<number> {
  await counter.waitForQuiet(); // let the warm-up's queued requests drain first
  await counter.reset();
  for (let i = 0; i < settings.probes; i++) {
    try {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(2000) });
      await response.text();
    } catch {
      return Number.NaN; // a server without timeouts hung: no meaningful count
    }
  }
  return (await counter.total()) / settings.probes;
}

function report(rows: Row[], pinned: boolean): void {
  const targets = evaluateTargets(rows);
  const meta = {
    date: new Date().toISOString(),
    mode: quick ? 'quick (smoke test; figures not meaningful)' : `${settings.rounds} rounds of ${settings.seconds} s after ${settings.warmupSeconds} s warm-up, median round`,
    machine: `${os.cpus()[0]?.model ?? 'unknown cpu'}, ${os.cpus().length} cores, Node ${process.version}`,
    pinning: pinned ? `servers on CPU ${SERVER_CPU}, load generator and upstreams on CPU ${LOAD_CPU}` : 'none (taskset missing or one core)',
    upstreams: '5 demo services in their own process, 5 ms latency, no jitter; 50 connections',
    nodeFlags: sameNodeFlags
      ? `every server with Ballast's worker flags (${WORKER_NODE_FLAGS.join(' ')})`
      : `Ballast variants (B2–B4) with their shipped worker flags (${WORKER_NODE_FLAGS.join(' ')}), the others with Node's defaults`,
  };
  const markdown = renderMarkdown(rows, targets, meta);
  mkdirSync('bench/results', { recursive: true });
  // Only a full run may replace latest.*: a filtered or quick one would leave holes in the report.
  const name = quick ? 'quick' : listArg('servers') || listArg('scenarios') ? 'partial' : sameNodeFlags ? 'same-node-flags' : 'latest';
  writeFileSync(`bench/results/${name}.md`, markdown);
  writeFileSync(`bench/results/${name}.json`, JSON.stringify({ meta, rows, targets }, null, 2));
  console.log(markdown);
  // Speed targets vary with the machine (and mean nothing in quick mode); correctness ones do not.
  const failed = failedCorrectness(targets);
  if (failed.length) {
    console.error(`correctness targets failed: ${failed.map((target) => `${target.name} (${target.value})`).join('; ')}`);
    process.exitCode = 1;
  }
}

await main();
