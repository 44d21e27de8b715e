export interface Row {
  server: string;
  serverTitle: string;
  scenario: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  upstreamCallsPerQuery: number;
  cpuMicrosPerRequest: number;
  peakRssMiB: number;
}

export interface Target {
  name: string;
  value: string;
  pass: boolean;
  /** `correctness` failures fail the run (exit 1, quick mode included); `speed` ones only show as FAIL. */
  kind: 'speed' | 'correctness';
}

/** The correctness targets that failed: a run with any of them exits non-zero. */
export function failedCorrectness(targets: Target[]): Target[] {
  return targets.filter((target) => target.kind === 'correctness' && !target.pass);
}

const find = (rows: Row[], server: string, scenario: string) => rows.find((row) => row.server === server && row.scenario === scenario);
const ratio = (a: Row | undefined, b: Row | undefined) => (a && b && b.requestsPerSecond > 0 ? a.requestsPerSecond / b.requestsPerSecond : Number.NaN);
const fixed = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

/** The targets of the benchmark issue, evaluated on the rows of one run. */
export function evaluateTargets(rows: Row[]): Target[] {
  const targets: Target[] = [];
  for (const scenario of ['S1', 'S2']) {
    const value = ratio(find(rows, 'B4', scenario), find(rows, 'B5', scenario));
    targets.push({ name: `B4 / B5 throughput on ${scenario} >= 2.0`, value: fixed(value), pass: value >= 2, kind: 'speed' });
  }
  const overFloor = ratio(find(rows, 'B4', 'S1'), find(rows, 'B1', 'S1'));
  targets.push({ name: 'B4 / B1 throughput on S1 >= 0.5', value: fixed(overFloor), pass: overFloor >= 0.5, kind: 'speed' });
  const policyCost = ratio(find(rows, 'B4', 'S1'), find(rows, 'B3', 'S1'));
  targets.push({ name: 'B4 / B3 throughput on S1 >= 0.95', value: fixed(policyCost), pass: policyCost >= 0.95, kind: 'speed' });
  const b4Calls = find(rows, 'B4', 'S1')?.upstreamCallsPerQuery ?? Number.NaN;
  targets.push({ name: 'B4 upstream calls per S1 query = 3', value: fixed(b4Calls), pass: b4Calls === 3, kind: 'correctness' });
  const b2Calls = find(rows, 'B2', 'S1')?.upstreamCallsPerQuery ?? Number.NaN;
  targets.push({ name: 'B2 upstream calls per S1 query = 41', value: fixed(b2Calls), pass: b2Calls === 41, kind: 'correctness' });
  const openCheaper = ratio(find(rows, 'B4', 'S3'), find(rows, 'B4', 'S1'));
  targets.push({ name: 'B4 S3 throughput >= B4 S1 throughput', value: fixed(openCheaper), pass: openCheaper >= 1, kind: 'speed' });
  const s4 = find(rows, 'B4', 'S4');
  targets.push({ name: 'B4 S4 p99 <= 230 ms', value: s4 ? `${s4.p99Ms} ms` : 'n/a', pass: !!s4 && s4.p99Ms <= 230, kind: 'speed' });
  const ballastRows = rows.filter((row) => ['B2', 'B3', 'B4'].includes(row.server));
  const failing = ballastRows.filter((row) => row.non2xx > 0 || row.errors > 0);
  targets.push({ name: 'zero non-2xx and errors in every Ballast scenario', value: failing.length ? failing.map((row) => `${row.server}/${row.scenario}`).join(', ') : '0', pass: failing.length === 0, kind: 'correctness' });
  return targets;
}

export function renderMarkdown(rows: Row[], targets: Target[], meta: Record<string, string>): string {
  const header = '| server | scenario | req/s | p50 ms | p99 ms | non-2xx | errors | upstream calls/query | CPU µs/req | peak RSS MiB |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|';
  const lines = rows.map(
    (row) =>
      `| ${row.server} ${row.serverTitle} | ${row.scenario} | ${Math.round(row.requestsPerSecond)} | ${row.p50Ms} | ${row.p99Ms} | ${row.non2xx} | ${row.errors} | ${fixed(row.upstreamCallsPerQuery)} | ${Math.round(row.cpuMicrosPerRequest)} | ${row.peakRssMiB} |`,
  );
  // A speed target whose scenario did not run (quick or filtered runs) is not a failure.
  const verdict = (target: Target): string => (target.pass ? 'PASS' : target.kind === 'speed' && target.value === 'n/a' ? 'SKIP' : 'FAIL');
  const targetLines = targets.map((target) => `| ${verdict(target)} | ${target.name} | ${target.value} |`);
  const metaLines = Object.entries(meta).map(([key, value]) => `- ${key}: ${value}`);
  return [
    '# Benchmark results',
    '',
    ...metaLines,
    '',
    header,
    ...lines,
    '',
    '## Targets',
    '',
    '| result | target | measured |\n|---|---|---|',
    ...targetLines,
    '',
  ].join('\n');
}
