/**
 * `npx tsx bench/cpu-ab.ts [--roots=/a,/b] [--scenario=S1|T0] [--seconds=8] [--rounds=2] [--prof=DIR] [--variant=shipped[,declared-pricing]]`:
 * CPU µs per request of Ballast as shipped, measured like `npm run bench` (the server's /proc CPU
 * time over the measured load, every answer checked), for one or more checkouts (each already
 * built with `tsc -p tsconfig.bench.json`), interleaved A, B, A, B so a shared machine's noise
 * falls on both; several comma-separated variants are interleaved the same way within each root
 * (`--variant=shipped,declared-pricing`: coded against declared pricing). `--prof=DIR` runs the servers with `--cpu-prof` into DIR (read it with
 * bench/profile-summary.ts). Upstreams and load run on CPU 1, the server on CPU 0, as in the bench.
 * `--servers=ballast:shipped,b5-apollo:tuned` interleaves other bench servers (script under
 * bench/servers: variant) instead of `--script`/`--variant`; `--semi=16,32,64` interleaves
 * `--max-semi-space-size` values (default: the workers' own flags); `--mem` preloads
 * bench/servers/mem-sampler.ts and prints where the peak RSS went (heap spaces, external); `--gc`
 * runs the server with `--trace-gc-nvp` and prints the bytes V8 allocated and promoted to the old
 * generation per request over the measured load: what drives peak RSS, and far less moved by a
 * busy host than RSS itself (which follows throughput); `--rate=N` loads each server open loop at N
 * requests a second (after the same closed-loop warm-up) instead of `--connections` closed loop.
 * `--prof-upstreams=DIR` runs the demo upstreams with `--cpu-prof` into DIR (what the load core spends on them).
 * `--heap-sampling=DIR` preloads bench/servers/heap-sampler.ts and writes, per server and round,
 * DIR/<server>-<variant>-<round>.heapprofile: the allocation sites of what survived a scavenge
 * during the measured load (read it with bench/heap-sampling-summary.ts); with `--heap-all`, every
 * allocation, what died young included.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pinSelf, startChild } from './harness/child.js';
import { busyPercent, coreTimes, listenOverflows } from './harness/host-counters.js';
import { closedLoop, openLoop } from './harness/load.js';
import type { Workload } from './harness/load.js';
import { UpstreamCounter } from './harness/upstream-counter.js';
import { walkCursors, workloadFor } from './harness/workload.js';
import { WORKER_NODE_FLAGS } from '../src/cluster/node-flags.js';
import { SCENARIOS } from './scenarios.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => args.find((entry) => entry.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const roots = arg('roots', process.cwd()).split(',');
/**
 * `--scenario=T0`: `{ __typename }` only, answered without any upstream call: what Ballast spends
 * once per request (front door, Yoga, plugins, context, serialisation), the part no upstream's
 * noise reaches (bench/README.md § "Seventh session: per-request CPU").
 */
const TYPENAME_ONLY: Workload = { bodies: [JSON.stringify({ query: '{ __typename }' })], verify: (_, text) => (text === '{"data":{"__typename":"Query"}}' ? 'exact' : 'bad') };
const scenarioId = arg('scenario', 'S1');
const scenario = scenarioId === 'T0' ? { ...SCENARIOS[0]!, id: 'T0' } : SCENARIOS.find((entry) => entry.id === scenarioId)!;
const seconds = Number(arg('seconds', '8'));
const rounds = Number(arg('rounds', '2'));
const profileDir = arg('prof', '');
const variants = arg('variant', 'shipped').split(',');
const script = arg('script', 'bench/servers/ballast.ts');
const semis = arg('semi', '').split(',');
const connections = Number(arg('connections', '50'));
const servers = args.some((entry) => entry.startsWith('--servers='))
  ? arg('servers', '').split(',').map((entry) => [`bench/servers/${entry.split(':')[0]}.ts`, entry.split(':')[1] ?? ''] as const)
  : variants.map((name) => [script, name] as const);
const memory = args.includes('--mem');
const traceGc = args.includes('--gc');
// Open loop at this many requests a second instead of the closed loop: servers compared at the same
// rate, so peak RSS (which follows the allocation rate) compares like with like on a busy host.
const rate = Number(arg('rate', '0'));
const heapSamplingDir = arg('heap-sampling', '');

/** Sums `allocated=` and `promoted=` (bytes) and counts collections in V8's --trace-gc-nvp lines. */
function gcTotals(lines: readonly string[]): { allocated: number; promoted: number; scavenges: number; fullGcs: number } {
  const totals = { allocated: 0, promoted: 0, scavenges: 0, fullGcs: 0 };
  for (const line of lines) {
    const field = (name: string) => Number(new RegExp(`\\b${name}=(\\S+)`).exec(line)?.[1] ?? 0);
    const kind = /\bgc=(\S+)/.exec(line)?.[1];
    if (kind === undefined) continue;
    totals.allocated += field('allocated');
    totals.promoted += field('promoted');
    if (kind === 's') totals.scavenges++;
    else totals.fullGcs++;
  }
  return totals;
}

/** The mem sampler's summary (bench/servers/mem-sampler.ts) in one line: at peak RSS, MiB. */
function memoryLine(file: string): string {
  if (!existsSync(file)) return '  at peak: no sample (the server did not exit cleanly)';
  const { atPeakRss: at } = JSON.parse(readFileSync(file, 'utf8')) as { atPeakRss: Record<string, number> };
  const spaces = Object.entries(at).filter(([key]) => key.endsWith('.size')).map(([key, value]) => `${key.replace('_space.size', '')} ${value}`);
  return `  at peak: rss ${at.rss} heapTotal ${at.heapTotal} heapUsed ${at.heapUsed} external ${at.external} arrayBuffers ${at.arrayBuffers} | ${spaces.join(', ')}`;
}

const pinned = os.availableParallelism() > 1 && pinSelf(1);
// `--prof-upstreams=DIR`: the demo upstreams run with --cpu-prof into DIR (what the load core spends on them).
const upstreamProfileDir = arg('prof-upstreams', '');
const demo = await startChild('demo', 'bench/servers/demo.ts', [], { cpu: pinned ? 1 : undefined, nodeFlags: upstreamProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${upstreamProfileDir}`] : [] });
const urls = demo.info.urls as Record<string, string>;
// Upstream calls during the measured load: a server that answered from a silent cache would show fewer than the work needs.
const upstreamCalls = new UpstreamCounter(urls);
let invalidRounds = 0;
const points = roots.flatMap((entry) => servers.flatMap((server) => semis.map((size) => [entry, server, size] as const)));
try {
  for (let round = 0; round < rounds; round++) {
    // The order turns by one each round (ABC, BCA, CAB): no server always runs first.
    const shift = round % points.length;
    for (const [root, [serverScript, variant], semi] of [...points.slice(shift), ...points.slice(0, shift)]) {
      const flags = semi ? [`--max-semi-space-size=${semi}`] : [...WORKER_NODE_FLAGS];
      if (profileDir) flags.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`);
      if (traceGc) flags.push('--trace-gc-nvp');
      const memFile = path.join(os.tmpdir(), `cpu-ab-mem-${process.pid}.json`);
      if (memory) flags.push(`--import=${path.resolve(root, 'dist/bench/servers/mem-sampler.js')}`);
      const heapProfile = heapSamplingDir ? path.resolve(heapSamplingDir, `${path.basename(serverScript, '.ts')}-${variant}-${round}.heapprofile`) : '';
      if (heapProfile) flags.push(`--import=${path.resolve(root, 'dist/bench/servers/heap-sampler.js')}`);
      const cwd = process.cwd();
      process.chdir(root);
      const env: Record<string, string> = { BENCH_UPSTREAMS: JSON.stringify(urls), BENCH_S4_FIELD_TIMEOUT: scenario.id === 'S4' ? '1' : '0', ...(memory ? { BENCH_MEM_FILE: memFile } : {}), ...(heapProfile ? { BENCH_HEAP_PROFILE: heapProfile, BENCH_HEAP_ALL: args.includes('--heap-all') ? '1' : '0' } : {}) };
      const child = await startChild(root, serverScript, variant ? [variant] : [], { cpu: pinned ? 0 : undefined, env, nodeFlags: flags });
      process.chdir(cwd);
      const gcLines: string[] = [];
      if (traceGc) createInterface({ input: child.process.stdout! }).on('line', (line) => gcLines.push(line));
      const label = `${root} ${path.basename(serverScript, '.ts')} ${variant}${semi ? ` semi=${semi}` : ''}`;
      try {
        const url = child.info.url as string;
        const workload = scenario.id === 'T0' ? TYPENAME_ONLY : workloadFor(scenario, await walkCursors(url));
        await closedLoop(url, workload, 2, connections);
        await upstreamCalls.waitForQuiet(); // the warm-up's calls still in flight are not the measured load's
        const callsBefore = await upstreamCalls.total();
        const before = child.cpuMicros();
        const loadCoreBefore = pinned ? coreTimes(1) : undefined;
        const overflowsBefore = listenOverflows();
        const gcFrom = gcLines.length;
        if (heapProfile) child.process.kill('SIGUSR2'); // starts the heap sampler for the measured load
        const result = rate > 0 ? await openLoop(url, workload, rate, seconds) : await closedLoop(url, workload, seconds, connections);
        const cpu = child.cpuMicros() - before;
        const loadCoreBusy = busyPercent(loadCoreBefore, pinned ? coreTimes(1) : undefined);
        const overflows = listenOverflows() - overflowsBefore;
        await upstreamCalls.waitForQuiet();
        const callsPerAnswer = ((await upstreamCalls.total()) - callsBefore) / Math.max(1, result.requests);
        const gc = gcTotals(gcLines.slice(gcFrom));
        const bad = result.wrong + result.non2xx + result.errors;
        // A round with bad answers measured something else (degraded answers do less work): flagged, and the exit code says so.
        if (bad > 0) invalidRounds++;
        // The load core (generator and upstreams) near 100%: the round measured the load side, not the server.
        const detail = `, load core ${Number.isNaN(loadCoreBusy) ? 'n/a' : `${Math.round(loadCoreBusy)}%`} busy${result.openLoop ? `, held in generator ${result.openLoop.queuedInGenerator}, send lag max ${result.openLoop.maxSendLagMs} ms, listen overflows ${overflows}` : ''}`;
        console.log(`${bad > 0 ? 'INVALID (bad answers) ' : ''}${label} ${scenario.id} round ${round}: ${Math.round(cpu / result.requests)} µs/req (${Math.round(cpu / Math.max(1, result.exact + result.degraded))} per good answer), ${Math.round(result.requestsPerSecond)} good/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, bad ${bad}/${result.requests} (wrong ${result.wrong}, non-2xx ${result.non2xx}, errors ${result.errors}), peak RSS ${child.peakRssMiB()} MiB, load ${os.loadavg()[0]!.toFixed(1)}, upstream calls per answer ${callsPerAnswer.toFixed(2)}${detail}`);
        if (heapProfile) console.log(`  heap profile: ${heapProfile} (${result.requests} requests)`);
        if (traceGc) console.log(`  gc: ${Math.round(gc.allocated / result.requests / 1024)} KiB allocated/req, ${(gc.promoted / result.requests / 1024).toFixed(1)} KiB promoted/req, ${gc.scavenges} scavenges, ${gc.fullGcs} full GCs`);
      } finally {
        await child.stop();
      }
      if (memory) {
        console.log(memoryLine(memFile));
        rmSync(memFile, { force: true });
      }
    }
  }
} finally {
  await demo.stop();
}
if (invalidRounds > 0) {
  console.log(`${invalidRounds} round(s) had bad answers: their figures are not comparable`);
  process.exitCode = 1;
}
