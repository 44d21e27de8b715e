/**
 * `npx tsx bench/overload-open.ts [--servers=ballast:shipped,b5-apollo:tuned] [--multiples=1,2,4] [--seconds=8] [--rounds=1] [--capacity=N] [--timeout=4000]`:
 * overload past capacity in an open loop (issue 12: goodput and p99 at 1x, 2x and 4x capacity).
 * Unlike bench/overload.ts (closed-loop clients, which slow down with the server), requests are
 * sent at a fixed rate whatever the server does, from a pool that may open as many connections as
 * can be outstanding (rate x client timeout, bench/harness/load.ts): past capacity the excess
 * reaches the server, and the table shows the requests the generator itself held back (0 is the
 * point). 1x is Ballast's own S1 capacity, its closed-loop goodput at 50 clients after the same
 * warm-up, measured once at the start (`--capacity=N` fixes it); every server gets the same rates,
 * a fresh process per point, interleaved server by server. Every answer is checked against the
 * demo data; served latencies count from the scheduled send time. Prints a markdown table for
 * bench/README.md ("Overload", "Eighth session").
 */
import os from 'node:os';
import { buildServers, pinSelf, startChild } from './harness/child.js';
import type { Child } from './harness/child.js';
import { closedLoop, openLoop } from './harness/load.js';
import type { LoadResult, OpenLoopDetail } from './harness/load.js';
import { walkCursors, workloadFor } from './harness/workload.js';
import { WORKER_NODE_FLAGS } from '../src/cluster/node-flags.js';
import { SCENARIOS } from './scenarios.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => args.find((entry) => entry.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const servers = arg('servers', 'ballast:shipped,b5-apollo:tuned').split(',').map((entry) => ({ script: `bench/servers/${entry.split(':')[0]}.ts`, variant: entry.split(':')[1] ?? '', label: entry }));
const multiples = arg('multiples', '1,2,4').split(',').map(Number);
const seconds = Number(arg('seconds', '8'));
const rounds = Number(arg('rounds', '1'));
const fixedCapacity = Number(arg('capacity', '0'));
/** Above the 2 s deadline, so an answer served late shows how late instead of turning into a timeout at 2 s. */
const clientTimeoutMs = Number(arg('timeout', '4000'));
const WARM_UP_SECONDS = 3;
const CAPACITY_SECONDS = 5;
const S1 = SCENARIOS.find((scenario) => scenario.id === 'S1')!;

interface Row {
  server: string;
  round: number;
  multiple: number;
  rate: number;
  result: LoadResult;
  detail: OpenLoopDetail;
  cpu: number;
  /** Ballast's own counts over the point (undefined for servers without /metrics). */
  ballast?: BallastCounts;
}

interface BallastCounts {
  shed: Record<string, number>;
  late2xx: number;
  cut: number;
}

async function ballastCounts(url: string): Promise<BallastCounts | undefined> {
  const response = await fetch(new URL('/metrics', url)).catch(() => undefined);
  if (!response?.ok) return undefined;
  const text = await response.text();
  const single = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
  return {
    shed: Object.fromEntries([...text.matchAll(/^ballast_requests_shed_total\{reason="(\w+)"\} (\d+)$/gm)].map((match) => [match[1]!, Number(match[2])])),
    late2xx: single(/^ballast_responses_past_deadline_total\{status_class="2xx"\} (\d+)$/m),
    cut: single(/^ballast_queries_cut_at_deadline_total (\d+)$/m),
  };
}

function difference(after: BallastCounts | undefined, before: BallastCounts | undefined): BallastCounts | undefined {
  if (!after || !before) return undefined;
  const grown = Object.entries(after.shed).map(([reason, count]) => [reason, count - (before.shed[reason] ?? 0)] as const);
  const shed = Object.fromEntries(grown.filter(([, count]) => count > 0));
  return { shed, late2xx: after.late2xx - before.late2xx, cut: after.cut - before.cut };
}

const pinned = os.availableParallelism() > 1 && pinSelf(1);
buildServers();
const demo = await startChild('demo', 'bench/servers/demo.ts', [], { cpu: pinned ? 1 : undefined });
const env = { BENCH_UPSTREAMS: JSON.stringify(demo.info.urls), BENCH_S4_FIELD_TIMEOUT: '0' };

/** A fresh, warmed server process and the workload of its own cursors. */
async function warmed(server: (typeof servers)[number]): Promise<{ child: Child; url: string; workload: ReturnType<typeof workloadFor> }> {
  const child = await startChild(server.label, server.script, server.variant ? [server.variant] : [], { cpu: pinned ? 0 : undefined, env, nodeFlags: WORKER_NODE_FLAGS });
  const url = child.info.url as string;
  const workload = workloadFor(S1, await walkCursors(url));
  await closedLoop(url, workload, WARM_UP_SECONDS, 50);
  return { child, url, workload };
}

const rows: Row[] = [];
let capacity = fixedCapacity;
try {
  if (!capacity) {
    const { child, url, workload } = await warmed(servers[0]!);
    capacity = Math.round((await closedLoop(url, workload, CAPACITY_SECONDS, 50)).requestsPerSecond);
    await child.stop();
    console.error(`capacity (${servers[0]!.label}, closed loop, 50 clients): ${capacity}/s`);
  }
  for (let round = 1; round <= rounds; round++) {
    for (const multiple of multiples) {
      for (const server of servers) {
        const { child, url, workload } = await warmed(server);
        try {
          const rate = capacity * multiple;
          const before = { counts: await ballastCounts(url), cpu: child.cpuMicros(), at: performance.now() };
          const result = await openLoop(url, workload, rate, seconds, clientTimeoutMs);
          const cpu = (child.cpuMicros() - before.cpu) / ((performance.now() - before.at) * 1000);
          const ballast = difference(await ballastCounts(url), before.counts);
          const row: Row = { server: server.label, round, multiple, rate, result, detail: result.openLoop!, cpu, ballast };
          rows.push(row);
          console.error(line(row));
        } finally {
          await child.stop();
        }
      }
    }
  }
} finally {
  await demo.stop();
}
console.log(render());

function line(row: Row): string {
  const { result, detail } = row;
  return `${row.server} ${row.multiple}x (${row.rate}/s): good ${Math.round(result.requestsPerSecond)}/s, served p50/p99/p99.9/max ${detail.servedP50Ms}/${detail.servedP99Ms}/${detail.servedP999Ms}/${detail.servedMaxMs} ms (p99 from the actual send ${detail.servedP99FromSendMs} ms), 503 ${detail.refused} (Retry-After ${detail.refusedWithRetryAfter}), other non-2xx ${result.non2xx - detail.refused}, cut ${detail.cut}, timeouts ${detail.timeouts}, errors ${detail.transportErrors}, degraded and said so ${detail.reported}, wrong ${result.wrong - detail.cut - detail.reported}, held in generator ${detail.queuedInGenerator} (pool queue max ${detail.maxPoolQueued}, send lag max ${detail.maxSendLagMs} ms), CPU ${Math.round(row.cpu * 100)}%${row.ballast ? `, Ballast: shed ${JSON.stringify(row.ballast.shed)}, late 2xx ${row.ballast.late2xx}, cut ${row.ballast.cut}` : ''}${detail.otherSample ? `; first other answer: ${detail.otherSample}` : ''}`;
}

function render(): string {
  const [load1, load5] = os.loadavg();
  const head = `Open-loop overload, S1, ${seconds} s per point after a ${WARM_UP_SECONDS} s closed-loop warm-up, fresh process per point, 1x = ${capacity}/s (${fixedCapacity ? '--capacity' : `${servers[0]!.label}'s closed-loop goodput at 50 clients`}), client timeout ${clientTimeoutMs} ms, ${os.cpus().length} cores, Node ${process.version}, ${pinned ? 'servers on CPU 0, generator + upstreams on CPU 1' : 'no pinning'}; load average at the end ${load1!.toFixed(1)} / ${load5!.toFixed(1)}`;
  const table = [
    '| server | load | rate/s | sent | goodput (good/s) | served p50 ms | p99 | p99.9 | max | p99 from actual send | 503 | with Retry-After | other non-2xx | cut (DEADLINE_EXCEEDED) | client timeouts | other errors | degraded, said so | wrong answers | held in generator | send lag max ms | server CPU | Ballast: shed by reason / late 2xx |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|',
    ...rows.map(({ server, round, multiple, rate, result, detail, cpu, ballast }) =>
      `| ${server}${rounds > 1 ? ` (${round})` : ''} | ${multiple}x | ${rate} | ${result.requests} | ${Math.round(result.requestsPerSecond)} | ${detail.servedP50Ms} | ${detail.servedP99Ms} | ${detail.servedP999Ms} | ${detail.servedMaxMs} | ${detail.servedP99FromSendMs} | ${detail.refused} | ${detail.refusedWithRetryAfter} | ${result.non2xx - detail.refused} | ${detail.cut} | ${detail.timeouts} | ${detail.transportErrors} | ${detail.reported} | ${result.wrong - detail.cut - detail.reported} | ${detail.queuedInGenerator} | ${detail.maxSendLagMs} | ${Math.round(cpu * 100)}% | ${ballast ? `${Object.entries(ballast.shed).map(([reason, count]) => `${reason} ${count}`).join(', ') || '–'} / ${ballast.late2xx}` : 'n/a'} |`,
    ),
  ];
  return [head, '', ...table].join('\n');
}
