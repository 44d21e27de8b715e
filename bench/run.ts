/**
 * `npm run bench [-- --quick] [-- --servers=B4,B5] [-- --scenarios=S1,S2]`: every server of
 * bench/scenarios.ts against the same demo upstreams (5 ms latency, own process), one after the
 * other, all with the same node flags, servers pinned to CPU 0 and the load generator and
 * upstreams to CPU 1 where taskset exists. Every answer under load is checked against the demo
 * data (bench/harness/verify.ts); then B4, B5 and B6 run open loop at fixed shares of their S1
 * capacity. Writes bench/results/latest.{md,json} and prints the table with the targets.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { buildServers, pinSelf, startChild } from './harness/child.js';
import type { Child } from './harness/child.js';
import { busyPercent, coreTimes, listenOverflows } from './harness/host-counters.js';
import { LISTEN_BACKLOG } from './servers/ready.js';
import { closedLoop, median, openLoop, REQUEST_TIMEOUT_MS } from './harness/load.js';
import type { LoadResult, Workload } from './harness/load.js';
import { evaluateTargets, failedCorrectness, LOAD_BOUND_PCT, renderMarkdown } from './harness/report.js';
import type { OpenLoopRow, Row } from './harness/report.js';
import { setFault, UpstreamCounter } from './harness/upstream-counter.js';
import { walkCursors, workloadFor } from './harness/workload.js';
import { WORKER_NODE_FLAGS } from '../src/cluster/node-flags.js';
import { SCENARIOS, SERVERS } from './scenarios.js';
import type { Scenario } from './scenarios.js';

const args = process.argv.slice(2);
// `npm run bench -- --overload`: the separate overload scenario instead (bench/overload.ts).
if (args.includes('--overload')) {
  await import('./overload.js');
  process.exit(0);
}
// `npm run bench -- --tracing`: what tracing costs, off against 10% and 100% sampled (bench/tracing.ts).
if (args.includes('--tracing')) {
  await import('./tracing.js');
  process.exit(0);
}
const quick = args.includes('--quick');
/**
 * The quick run checks answers, not speed: few clients, so a busy CI machine does not push
 * latency past the bench's 200 ms inventory timeout (S4's) and turn healthy answers degraded.
 */
const QUICK_CONNECTIONS = 4;
const listArg = (name: string) => args.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1]?.split(',');
const settings = quick
  ? { warmupSeconds: 1, rounds: 1, seconds: 1, probes: 3, openLoopShares: [0.5], openLoopSeconds: 1, connections: QUICK_CONNECTIONS }
  : { warmupSeconds: 3, rounds: 3, seconds: 5, probes: 20, openLoopShares: [0.5, 0.8, 1, 1.5], openLoopSeconds: 5, connections: 50 };
/** Quick mode (CI smoke test) runs every server on S1 and S3 (where it serves them). */
const QUICK_SCENARIOS = ['S1', 'S3'];
/** Servers run open loop after their scenarios: Ballast as shipped, tuned Apollo, the leanest BFF. */
const OPEN_LOOP_SERVERS = ['B4', 'B5', 'B6'];
/**
 * Warm-up of a scenario with faults, longer than the breaker's 10 s rolling window: otherwise the
 * window still holds the previous scenario's successes, the breaker of S3 is not open yet, and
 * the rounds measure the transition instead of the steady state the scenario names.
 */
const FAULT_WARMUP_SECONDS = 11;
const SERVER_CPU = 0;
const LOAD_CPU = 1;
/** Set once the generator is pinned: only then is CPU 1 the load core whose busy share a row reports. */
let loadCorePinned = false;
const loadCore = () => (loadCorePinned ? coreTimes(LOAD_CPU) : undefined);

async function main(): Promise<void> {
  buildServers();
  const pinned = os.availableParallelism() > 1 && pinSelf(LOAD_CPU);
  loadCorePinned = pinned;
  const demo = await startChild('demo', 'bench/servers/demo.ts', [], { cpu: pinned ? LOAD_CPU : undefined });
  const urls = demo.info.urls as Record<string, string>;
  const counter = new UpstreamCounter(urls);
  const rows: Row[] = [];
  const openLoopRows: OpenLoopRow[] = [];
  try {
    for (const server of SERVERS.filter((spec) => !listArg('servers') || listArg('servers')!.includes(spec.id))) {
      const child = await startChild(server.id, server.script, server.args, { cpu: pinned ? SERVER_CPU : undefined, env: { BENCH_UPSTREAMS: JSON.stringify(urls) }, nodeFlags: server.nodeFlags });
      try {
        const cursors = await walkCursors(child.info.url as string);
        const serverRows: Row[] = [];
        const wanted = listArg('scenarios') ?? (quick ? QUICK_SCENARIOS : undefined);
        const scenarios = SCENARIOS.filter((entry) => server.scenarios.includes(entry.id) && (!wanted || wanted.includes(entry.id)));
        const runScenario = async (scenario: Scenario): Promise<void> => {
          const row = await measure(child, scenario, workloadFor(scenario, cursors), urls, counter);
          serverRows.push({ ...row, server: server.id, serverTitle: server.title });
          console.error(`${server.id} ${scenario.id}: ${Math.round(row.requestsPerSecond)} good/s, p99 ${row.p99Ms} ms, bad ${row.wrong + row.non2xx + row.errors}/${row.requests}, ${row.upstreamCallsPerQuery.toFixed(2)} calls/query`);
        };
        for (const scenario of scenarios.filter((entry) => !entry.degrades)) await runScenario(scenario);
        // Peak RSS under the healthy closed-loop scenarios, before the open loop's overload queues requests.
        const peak = child.peakRssMiB();
        // The open loop runs before any fault: a server without timeouts never gets back the
        // connections S4's hung upstream holds, and an open breaker would degrade healthy S1.
        const s1 = serverRows.find((row) => row.scenario === 'S1');
        if (s1 && OPEN_LOOP_SERVERS.includes(server.id)) openLoopRows.push(...(await measureOpenLoop(child, server.id, s1.requestsPerSecond, workloadFor(SCENARIOS[0]!, cursors))));
        for (const scenario of scenarios.filter((entry) => entry.degrades)) await runScenario(scenario);
        rows.push(...serverRows.map((row) => ({ ...row, peakRssMiB: peak })));
      } finally {
        await child.stop();
      }
    }
  } finally {
    await demo.stop();
  }
  report(rows, openLoopRows, pinned);
}

async function measure(child: Child, scenario: Scenario, workload: Workload, urls: Record<string, string>, counter: UpstreamCounter): Promise<Omit<Row, 'server' | 'serverTitle'>> {
  const url = child.info.url as string;
  for (const [source, fault] of Object.entries(scenario.faults)) await setFault(urls, source, fault);
  try {
    const faulty = Object.keys(scenario.faults).length > 0;
    await closedLoop(url, workload, faulty && !quick ? Math.max(settings.warmupSeconds, FAULT_WARMUP_SECONDS) : settings.warmupSeconds, settings.connections);
    const upstreamCallsPerQuery = await probeUpstreamCalls(url, workload, counter);
    const cpuBefore = child.cpuMicros();
    const loadCoreBefore = loadCore();
    const rounds: LoadResult[] = [];
    for (let round = 0; round < settings.rounds; round++) rounds.push(await closedLoop(url, workload, settings.seconds, settings.connections));
    const cpu = child.cpuMicros() - cpuBefore;
    const loadCoreBusyPct = busyPercent(loadCoreBefore, loadCore());
    const sum = (pick: (round: LoadResult) => number) => rounds.reduce((total, round) => total + pick(round), 0);
    const requests = sum((round) => round.requests);
    const result = median(rounds);
    return {
      scenario: scenario.id,
      requestsPerSecond: result.requestsPerSecond,
      p50Ms: result.p50Ms,
      p99Ms: result.p99Ms,
      non2xx: sum((round) => round.non2xx),
      errors: sum((round) => round.errors),
      degraded: sum((round) => round.degraded),
      wrong: sum((round) => round.wrong),
      reported: sum((round) => round.reported),
      requests,
      upstreamCallsPerQuery,
      cpuMicrosPerRequest: requests > 0 ? cpu / requests : Number.NaN,
      peakRssMiB: 0,
      loadCoreBusyPct,
    };
  } finally {
    for (const source of Object.keys(scenario.faults)) await setFault(urls, source, undefined);
  }
}

/** S1 at fixed rates, shares of the server's own closed-loop S1 capacity: latency at equal load. */
async function measureOpenLoop(child: Child, server: string, capacity: number, workload: Workload): Promise<OpenLoopRow[]> {
  const rows: OpenLoopRow[] = [];
  for (const share of settings.openLoopShares) {
    const rate = Math.max(1, capacity * share);
    const loadCoreBefore = loadCore();
    const overflowsBefore = listenOverflows();
    const result = await openLoop(child.info.url as string, workload, rate, settings.openLoopSeconds);
    const loadCoreBusyPct = busyPercent(loadCoreBefore, loadCore());
    const overflows = listenOverflows() - overflowsBefore;
    const bad = result.wrong + result.non2xx + result.errors;
    const detail = result.openLoop;
    rows.push({ server, share, rate, goodput: result.requestsPerSecond, p50Ms: result.p50Ms, p99Ms: result.p99Ms, p999Ms: result.p999Ms, bad, refused: detail?.refused ?? 0, timeouts: detail?.timeouts ?? 0, reported: result.reported, requests: result.requests, loadCoreBusyPct, listenOverflows: overflows });
    console.error(`${server} open loop ${share * 100}% (${Math.round(rate)}/s): goodput ${Math.round(result.requestsPerSecond)}/s, p99 ${result.p99Ms} ms, p99.9 ${result.p999Ms} ms, bad ${bad} (503 ${detail?.refused ?? 0}, timeouts ${detail?.timeouts ?? 0}, degraded and said so ${result.reported}), load core ${Math.round(loadCoreBusyPct)}% busy, listen overflows ${overflows}`);
  }
  return rows;
}

/** Exact upstream calls per query: sequential requests (the workload's first ones), counted at the demo services. */
async function probeUpstreamCalls(url: string, workload: Workload, counter: UpstreamCounter): Promise<number> {
  await counter.waitForQuiet(); // let the warm-up's queued requests drain first
  await counter.reset();
  for (let i = 0; i < settings.probes; i++) {
    try {
      const body = workload.bodies[i % workload.bodies.length];
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      await response.text();
    } catch {
      return Number.NaN; // a server without timeouts hung: no meaningful count
    }
  }
  return (await counter.total()) / settings.probes;
}

function report(rows: Row[], openLoopRows: OpenLoopRow[], pinned: boolean): void {
  const targets = evaluateTargets(rows, openLoopRows);
  const meta = {
    date: new Date().toISOString(),
    mode: quick ? 'quick (smoke test; figures not meaningful)' : `${settings.rounds} rounds of ${settings.seconds} s after ${settings.warmupSeconds} s warm-up, median round`,
    machine: `${os.cpus()[0]?.model ?? 'unknown cpu'}, ${os.cpus().length} cores, Node ${process.version}`,
    pinning: pinned ? `servers on CPU ${SERVER_CPU}, load generator and upstreams on CPU ${LOAD_CPU}` : 'none (taskset missing or one core)',
    upstreams: '5 demo services in their own process, 5 ms latency, no jitter',
    load: `closed loop: ${settings.connections} connections, request timeout ${REQUEST_TIMEOUT_MS} ms, every answer checked against the demo data; open loop: ${settings.openLoopSeconds} s per rate`,
    nodeFlags: `every server with Ballast's worker flags (${WORKER_NODE_FLAGS.join(' ')}) and listen backlog (${LISTEN_BACKLOG})`,
    loadCore: `"load core busy %" is CPU ${LOAD_CPU}'s busy share over a row's measured load (generator and upstreams); a row with it at ${LOAD_BOUND_PCT}% or more measured the load side (it understates its server), and a target such a row could flip shows LOAD-BOUND`,
  };
  const markdown = renderMarkdown(rows, targets, meta, openLoopRows);
  mkdirSync('bench/results', { recursive: true });
  // Only a full run may replace latest.*: a filtered or quick one would leave holes in the report.
  const name = quick ? 'quick' : listArg('servers') || listArg('scenarios') ? 'partial' : 'latest';
  writeFileSync(`bench/results/${name}.md`, markdown);
  writeFileSync(`bench/results/${name}.json`, JSON.stringify({ meta, rows, openLoop: openLoopRows, targets }, null, 2));
  console.log(markdown);
  // Speed targets vary with the machine (and mean nothing in quick mode); correctness ones do not.
  const failed = failedCorrectness(targets);
  if (failed.length) {
    console.error(`correctness targets failed: ${failed.map((target) => `${target.name} (${target.value})`).join('; ')}`);
    process.exitCode = 1;
  }
}

await main();
