/**
 * `npx tsx bench/overload.ts [--seconds=N] [--clients=N] [--variants=shipped,queued,budgetless,unshed] [--rounds=N] [--cpu-prof]`
 * (or `npm run bench -- --overload`): Ballast as shipped (admission control on) and with admission
 * control off, each at 1x, 2x and 4x its capacity in concurrent closed-loop clients, on S1 over the
 * demo upstreams. 1x is measured, not assumed: after a JIT warm-up, a sweep of client counts finds
 * the smallest one within 5% of the peak goodput (`--clients=N` skips the sweep). Per point it
 * reports goodput (answers equal to the demo data, a second), p50/p99/p99.9 of those, the share of
 * 2xx answered after the deadline, degraded-and-said-so and wrong answers apart, 503/s (and how many
 * carried Retry-After), other non-2xx, errors (timeouts included), the CPU Ballast used, the
 * generator's own loop lag and the fields Ballast degraded by source, reason and fallback.
 * Prints a markdown table for bench/README.md ("Overload").
 */
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { buildServers, pinSelf, startChild } from './harness/child.js';
import type { Child } from './harness/child.js';
import { WORKER_NODE_FLAGS } from '../src/cluster/node-flags.js';
import { defaultConfig } from '../src/config-defaults.js';
import { SCENARIOS } from './scenarios.js';
import { expectedPage, isCutAtDeadline, reportedDegradation, verifyExact } from './harness/verify.js';

const MULTIPLES = [1, 2, 4];
const SWEEP_CLIENTS = [4, 8, 16, 32, 64, 128];
const SWEEP_SECONDS = 3;
const WARM_UP_SECONDS = 5;
const DEADLINE_MS = defaultConfig().deadlineMs;
const VARIANTS = [
  { id: 'shedding', arg: 'shipped' },
  { id: 'shedding + queue delay', arg: 'queued' },
  { id: 'shedding without deadline rule', arg: 'budgetless' },
  { id: 'no shedding', arg: 'unshed' },
];

const args = process.argv.slice(2);
const option = (name: string) => args.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
const seconds = Number(option('seconds') ?? 10);
const fixedClients = option('clients') === undefined ? undefined : Number(option('clients'));
const variantIds = option('variants')?.split(',');
// Repeats the variants in turn (A B A B …): on a shared host, compare variants within a round.
const rounds = Number(option('rounds') ?? 1);
const cpuProf = args.includes('--cpu-prof');
const S1 = SCENARIOS.find((scenario) => scenario.id === 'S1')!;

interface LoadRow {
  connections: number;
  goodput: number;
  p50OkMs: number;
  p99OkMs: number;
  p999OkMs: number;
  maxOkMs: number;
  /** Share of the 2xx answers (good or not) that arrived after the deadline by the client's clock: the broken promise. */
  lateShare: number;
  shedPerSecond: number;
  /** 503s that carried Retry-After (every one should). */
  shedWithRetryAfter: number;
  errors: number;
  /** Answers that were neither 2xx nor 503 (a 500, a 429, a 400): failures, shown apart. */
  otherNon2xx: number;
  /** 2xx answers degraded under load that said so, every value exact, null or a declared default (not goodput). */
  degradedSaidSo: number;
  /** 2xx answers with a value that is not the upstream's, or degraded without saying so. */
  wrong: number;
  /**
   * This process's own event-loop delay during the point (p99 / max, ms): autocannon times every
   * answer on this loop, so a client-clock latency can be late by up to this much without the
   * server being late at all (the generator shares CPU 1 with the upstreams).
   */
  generatorLagP99Ms: number;
  generatorLagMaxMs: number;
}

interface OverloadRow extends LoadRow {
  variant: string;
  multiple: number;
  /** Share of one core Ballast used during the run: near 1 means Ballast is the bottleneck. */
  ballastCpu: number;
  /** Mean time inside Ballast (its own histogram): far below p99 means requests waited before Ballast saw them. */
  serverMeanMs: number;
  /** Fields degraded during the point by source, reason and fallback (ballast_degraded_fields_total). */
  degradedFields: string;
  /** Refusals by the rule that refused them (ballast_requests_shed_total), e.g. `queue_delay 70`. */
  shedReasons: string;
  /** 2xx Ballast itself counted as finished past their deadline (ballast_responses_past_deadline_total). */
  late2xxCounted: number;
  /** Queries answered at their deadline with DEADLINE_EXCEEDED (ballast_queries_cut_at_deadline_total). */
  cutAtDeadline: number;
}

async function main(): Promise<void> {
  buildServers();
  const pinned = os.availableParallelism() > 1 && pinSelf(1);
  const demo = await startChild('demo', 'bench/servers/demo.ts', [], { cpu: pinned ? 1 : undefined });
  const rows: OverloadRow[] = [];
  let capacityClients = fixedClients;
  try {
    const chosen = VARIANTS.filter((each) => !variantIds || variantIds.includes(each.arg));
    const runs = Array.from({ length: rounds }, (_, index) => chosen.map((variant) => ({ variant, round: index + 1 }))).flat();
    for (const { variant, round } of runs) {
      const nodeFlags = cpuProf ? [...WORKER_NODE_FLAGS, '--cpu-prof', '--cpu-prof-dir=bench/results/cpu-prof'] : WORKER_NODE_FLAGS;
      const child = await startChild(variant.id, 'bench/servers/ballast.ts', [variant.arg], { cpu: pinned ? 0 : undefined, env: { BENCH_UPSTREAMS: JSON.stringify(demo.info.urls), BENCH_S4_FIELD_TIMEOUT: '0' }, nodeFlags });
      try {
        const url = child.info.url as string;
        await load(url, 32, WARM_UP_SECONDS); // JIT warm-up: graphql-jit compiles, V8 optimises the hot paths
        capacityClients ??= await findCapacity(url);
        for (const multiple of MULTIPLES) {
          const row = await measure(child, url, capacityClients * multiple);
          rows.push({ variant: rounds > 1 ? `${variant.id} (round ${round})` : variant.id, multiple, ...row });
          console.error(`${variant.id} ${multiple}x: goodput ${Math.round(row.goodput)}/s, p99 ok ${row.p99OkMs} ms, late ${(row.lateShare * 100).toFixed(1)}% (Ballast counted ${row.late2xxCounted}, cut ${row.cutAtDeadline}), shed ${Math.round(row.shedPerSecond)}/s, Ballast CPU ${row.ballastCpu.toFixed(2)}`);
        }
      } finally {
        await child.stop();
      }
    }
  } finally {
    await demo.stop();
  }
  console.log(render(rows, pinned, capacityClients!));
}

/** The smallest client count whose goodput is within 5% of the best of the sweep: more only queues. */
async function findCapacity(url: string): Promise<number> {
  const sweep: { clients: number; goodput: number }[] = [];
  for (const clients of SWEEP_CLIENTS) sweep.push({ clients, goodput: (await load(url, clients, SWEEP_SECONDS)).goodput });
  const peak = Math.max(...sweep.map((point) => point.goodput));
  const knee = sweep.find((point) => point.goodput >= peak * 0.95)!;
  console.error(`capacity sweep: ${sweep.map((point) => `${point.clients} → ${Math.round(point.goodput)}/s`).join(', ')}; 1x = ${knee.clients} clients`);
  return knee.clients;
}

async function measure(child: Child, url: string, connections: number): Promise<Omit<OverloadRow, 'variant' | 'multiple'>> {
  const before = { totals: await serverTotals(url), cpu: child.cpuMicros(), at: performance.now() };
  const row = await load(url, connections, seconds);
  const after = { totals: await serverTotals(url), cpu: child.cpuMicros(), at: performance.now() };
  const serverMeanMs = Math.round(((after.totals.seconds - before.totals.seconds) / Math.max(1, after.totals.count - before.totals.count)) * 1000);
  const ballastCpu = (after.cpu - before.cpu) / ((after.at - before.at) * 1000);
  const shedReasons = Object.entries(after.totals.shed)
    .map(([reason, count]) => [reason, count - (before.totals.shed[reason] ?? 0)] as const)
    .filter(([, count]) => count > 0)
    .map(([reason, count]) => `${reason} ${count}`)
    .join(', ');
  const degradedFields = Object.entries(after.totals.degraded)
    .map(([key, count]) => [key, count - (before.totals.degraded[key] ?? 0)] as const)
    .filter(([, count]) => count > 0)
    .map(([key, count]) => `${key} ${count}`)
    .join(', ');
  return {
    ...row,
    serverMeanMs,
    ballastCpu,
    shedReasons: shedReasons || '–',
    degradedFields: degradedFields || '–',
    late2xxCounted: after.totals.late2xx - before.totals.late2xx,
    cutAtDeadline: after.totals.cut - before.totals.cut,
  };
}

/** S1's one body asks for the first page: every answer is checked against the demo data. */
const FIRST_PAGE = expectedPage(0);
type Checked = 'exact' | 'said-so' | 'cut' | 'wrong';
function check(body: string): Checked {
  if (verifyExact(body, { products: { nodes: FIRST_PAGE } }) === 'exact') return 'exact';
  if (isCutAtDeadline(body)) return 'cut';
  return reportedDegradation(body, FIRST_PAGE) ? 'said-so' : 'wrong';
}

/**
 * One autocannon run, timing every response itself so the good answers get their own percentiles:
 * a 2xx counts as good only when its body is exactly the demo data.
 */
async function load(url: string, connections: number, duration: number): Promise<LoadRow> {
  const okLatencies: number[] = [];
  let degradedSaidSo = 0;
  let wrong = 0;
  let answered2xx = 0;
  let otherNon2xx = 0;
  let late2xx = 0;
  // autocannon hands a request's body to onResponse, then emits its 'response' event, synchronously in that order.
  let lastChecked: Checked = 'wrong';
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  let shed = 0;
  let shedWithRetryAfter = 0;
  const retryAfterSeen = new WeakMap<object, boolean>();
  let instance!: autocannon.Instance;
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    const options = {
      url,
      method: 'POST' as const,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: S1.query }),
      requests: [{ onResponse: (status: number, body: string) => void (lastChecked = status >= 200 && status < 300 ? check(body) : 'wrong') }],
      connections,
      duration,
      // Below the run's length, so a request that never answers shows as a timeout.
      timeout: Math.max(1, Math.min(duration - 1, 5)),
      setupClient: (client: autocannon.Client) => {
        // At run time autocannon passes http-parser-js's info object (raw header list), not its typed headers.
        const onHeaders = (parsed: { headers: string[] }) => retryAfterSeen.set(client, parsed.headers.some((name, i) => i % 2 === 0 && name.toLowerCase() === 'retry-after'));
        client.on('headers', onHeaders as unknown as (headers: object) => void);
      },
    };
    instance = autocannon(options, (error, result) => (error ? reject(error as Error) : resolve(result)));
  });
  instance.on('response', (client, statusCode, _bytes, responseTime) => {
    if (statusCode >= 200 && statusCode < 300) {
      answered2xx++;
      if (responseTime > DEADLINE_MS) late2xx++;
      if (lastChecked === 'exact') okLatencies.push(responseTime);
      else if (lastChecked === 'said-so') degradedSaidSo++;
      else if (lastChecked === 'wrong') wrong++;
    } else if (statusCode === 503) {
      shed++;
      if (retryAfterSeen.get(client)) shedWithRetryAfter++;
    } else otherNon2xx++;
  });
  const result = await finished;
  lag.disable();
  okLatencies.sort((a, b) => a - b);
  return {
    connections,
    goodput: okLatencies.length / duration,
    p50OkMs: percentile(okLatencies, 0.5),
    p99OkMs: percentile(okLatencies, 0.99),
    p999OkMs: percentile(okLatencies, 0.999),
    maxOkMs: Math.round(okLatencies.at(-1) ?? Number.NaN),
    lateShare: answered2xx ? late2xx / answered2xx : 0,
    shedPerSecond: shed / duration,
    shedWithRetryAfter,
    // autocannon counts its timeouts inside `errors` already.
    errors: result.errors,
    otherNon2xx,
    degradedSaidSo,
    wrong,
    generatorLagP99Ms: Math.round(lag.percentile(99) / 1e6),
    generatorLagMaxMs: Math.round(lag.max / 1e6),
  };
}

/** Sum and count of ballast_graphql_request_duration_seconds over every label, refusals by reason, late 2xx and cut queries, from /metrics. */
async function serverTotals(graphqlUrl: string): Promise<{ seconds: number; count: number; shed: Record<string, number>; degraded: Record<string, number>; late2xx: number; cut: number }> {
  const text = await (await fetch(new URL('/metrics', graphqlUrl))).text();
  const total = (name: string) => [...text.matchAll(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'gm'))].reduce((sum, match) => sum + Number(match[1]), 0);
  const shed = Object.fromEntries([...text.matchAll(/^ballast_requests_shed_total\{reason="(\w+)"\} (\d+)$/gm)].map((match) => [match[1]!, Number(match[2])]));
  const single = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
  // "catalog BULKHEAD_FULL STALE" → fields degraded so far (ballast_degraded_fields_total).
  const label = (labels: string, name: string) => new RegExp(`${name}="([^"]*)"`).exec(labels)?.[1] ?? '?';
  const degraded = Object.fromEntries(
    [...text.matchAll(/^ballast_degraded_fields_total\{([^}]*)\} (\d+)$/gm)].map((match) => [`${label(match[1]!, 'source')} ${label(match[1]!, 'reason')} ${label(match[1]!, 'fallback')}`, Number(match[2])]),
  );
  return {
    degraded,
    seconds: total('ballast_graphql_request_duration_seconds_sum'),
    count: total('ballast_graphql_request_duration_seconds_count'),
    shed,
    late2xx: single(/^ballast_responses_past_deadline_total\{status_class="2xx"\} (\d+)$/m),
    cut: single(/^ballast_queries_cut_at_deadline_total (\d+)$/m),
  };
}

/** `p` of already sorted `values`. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!);
}

function render(rows: OverloadRow[], pinned: boolean, capacityClients: number): string {
  const [load1, load5] = os.loadavg();
  const lines = [
    `Overload, S1, ${seconds} s per point after a ${WARM_UP_SECONDS} s warm-up, deadline ${DEADLINE_MS} ms, ${os.cpus().length} cores, Node ${process.version}, ${pinned ? 'Ballast on CPU 0, load + upstreams on CPU 1' : 'no pinning'}; 1x = ${capacityClients} clients${fixedClients ? ' (--clients)' : ' (capacity sweep)'}; load average at the end ${load1!.toFixed(1)} / ${load5!.toFixed(1)} (1 / 5 min)`,
    '',
    '| Ballast | load | clients | goodput (exact 2xx/s) | p50 good ms | p99 good ms | p99.9 good ms | max good ms | 2xx after deadline | 2xx past deadline (Ballast\'s count) | cut at deadline | degraded, said so | wrong | 503/s | 503 with Retry-After | other non-2xx | errors + timeouts | Ballast CPU | mean ms inside Ballast | generator lag p99 / max ms | shed by reason | fields degraded (source reason fallback) |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|---|',
    ...rows.map((row) =>
      [
        '',
        row.variant,
        `${row.multiple}x`,
        row.connections,
        Math.round(row.goodput),
        row.p50OkMs,
        row.p99OkMs,
        row.p999OkMs,
        row.maxOkMs,
        `${(row.lateShare * 100).toFixed(1)}%`,
        row.late2xxCounted,
        row.cutAtDeadline,
        row.degradedSaidSo,
        row.wrong,
        Math.round(row.shedPerSecond),
        row.shedPerSecond > 0 ? `${Math.round((row.shedWithRetryAfter / (row.shedPerSecond * seconds)) * 100)}%` : '–',
        row.otherNon2xx,
        row.errors,
        `${Math.round(row.ballastCpu * 100)}%`,
        row.serverMeanMs,
        `${row.generatorLagP99Ms} / ${row.generatorLagMaxMs}`,
        row.shedReasons,
        row.degradedFields,
        '',
      ].join(' | ').trim(),
    ),
  ];
  return lines.join('\n');
}

await main();
