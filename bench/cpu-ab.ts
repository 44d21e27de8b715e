/**
 * `npx tsx bench/cpu-ab.ts [--roots=/a,/b] [--scenario=S1] [--seconds=8] [--rounds=2] [--prof=DIR] [--variant=shipped[,declared-pricing]]`:
 * CPU µs per request of Ballast as shipped, measured like `npm run bench` (the server's /proc CPU
 * time over the measured load, every answer checked), for one or more checkouts (each already
 * built with `tsc -p tsconfig.bench.json`), interleaved A, B, A, B so a shared machine's noise
 * falls on both; several comma-separated variants are interleaved the same way within each root
 * (`--variant=shipped,declared-pricing`: coded against declared pricing). `--prof=DIR` runs the servers with `--cpu-prof` into DIR (read it with
 * bench/profile-summary.ts). Upstreams and load run on CPU 1, the server on CPU 0, as in the bench.
 */
import os from 'node:os';
import { pinSelf, startChild } from './harness/child.js';
import { closedLoop } from './harness/load.js';
import { walkCursors, workloadFor } from './harness/workload.js';
import { WORKER_NODE_FLAGS } from '../src/cluster/node-flags.js';
import { SCENARIOS } from './scenarios.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => args.find((entry) => entry.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const roots = arg('roots', process.cwd()).split(',');
const scenario = SCENARIOS.find((entry) => entry.id === arg('scenario', 'S1'))!;
const seconds = Number(arg('seconds', '8'));
const rounds = Number(arg('rounds', '2'));
const profileDir = arg('prof', '');
const variants = arg('variant', 'shipped').split(',');
const script = arg('script', 'bench/servers/ballast.ts');
const semi = arg('semi', '');
const connections = Number(arg('connections', '50'));

const pinned = os.availableParallelism() > 1 && pinSelf(1);
const demo = await startChild('demo', 'bench/servers/demo.ts', [], { cpu: pinned ? 1 : undefined });
const urls = demo.info.urls as Record<string, string>;
try {
  for (let round = 0; round < rounds; round++) {
    for (const [root, variant] of roots.flatMap((entry) => variants.map((name) => [entry, name] as const))) {
      const flags = semi ? [`--max-semi-space-size=${semi}`] : [...WORKER_NODE_FLAGS];
      if (profileDir) flags.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`);
      const cwd = process.cwd();
      process.chdir(root);
      const child = await startChild(root, script, [variant], { cpu: pinned ? 0 : undefined, env: { BENCH_UPSTREAMS: JSON.stringify(urls) }, nodeFlags: flags });
      process.chdir(cwd);
      try {
        const url = child.info.url as string;
        const workload = workloadFor(scenario, await walkCursors(url));
        await closedLoop(url, workload, 2, connections);
        const before = child.cpuMicros();
        const result = await closedLoop(url, workload, seconds, connections);
        const cpu = child.cpuMicros() - before;
        const bad = result.wrong + result.non2xx + result.errors;
        console.log(`${root} ${variant} ${scenario.id} round ${round}: ${Math.round(cpu / result.requests)} µs/req, ${Math.round(result.requestsPerSecond)} good/s, bad ${bad}/${result.requests}, peak RSS ${child.peakRssMiB()} MiB, load ${os.loadavg()[0]!.toFixed(1)}`);
      } finally {
        await child.stop();
      }
    }
  }
} finally {
  await demo.stop();
}
