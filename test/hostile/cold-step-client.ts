/**
 * A cold step's load generator in its own process (niced by the test, as test/hostile/overload-client.ts):
 * `node --import tsx test/hostile/cold-step-client.ts <url> <clients> <ms> <slice ms>` starts every
 * closed-loop client in the same instant (no ramp: idle, then the whole load at once), each sending
 * HEAVY_QUERY (test/hostile/cpu-overload.ts) again as soon as its answer arrives. It prints one line
 * `step <epoch ms>` when the step starts, then one JSON line of ColdStepSummary.
 */
import { Pool } from 'undici';
import { HEAVY_QUERY } from './cpu-overload.js';

/** What the answers that arrived within one slice of the run were. */
export interface Slice {
  /** 200 with the page. */
  served: number;
  /** 200 with `data: null` and DEADLINE_EXCEEDED: a query cut at its deadline. */
  cut: number;
  /** 503 OVERLOADED refusals. */
  refused: number;
  /** 200 with the page but some fields degraded (an upstream wait cut at the request's deadline). */
  degraded: number;
  /** Anything else, by status and start of body. */
  other: string[];
}

export interface ColdStepSummary {
  /** When the step started, on the epoch clock (`performance.timeOrigin + performance.now()`). */
  stepAt: number;
  sliceMs: number;
  /** Answers by the slice they arrived in, from the step on. */
  slices: Slice[];
  /** Distinct Retry-After values of the refusals. */
  retryAfter: string[];
  /** Milliseconds from the step to the first refusal's arrival; -1 when none. */
  firstRefusalMs: number;
  /** What each client's first request, all sent in the step's instant, was answered. */
  firstWave: Omit<Slice, 'other'> & { other: number };
}

function emptySlice(): Slice {
  return { served: 0, cut: 0, refused: 0, degraded: 0, other: [] };
}

const CUT_BODY = JSON.stringify({ data: null, errors: [{ message: 'the request deadline passed before the query finished', extensions: { code: 'DEADLINE_EXCEEDED' } }] });

function kindOf(status: number, body: string): keyof Omit<Slice, 'other'> | undefined {
  if (status === 503) return 'refused';
  if (status !== 200) return undefined;
  if (body === CUT_BODY) return 'cut';
  const answer = JSON.parse(body) as { data?: { products?: { nodes?: unknown[] } } | null; errors?: Array<{ extensions?: { code?: string } }> };
  // The deadline reached during execution instead of before it: the page's own call cut, no data, every error DEADLINE_EXCEEDED.
  if (answer.data === null && answer.errors?.length && answer.errors.every((error) => error.extensions?.code === 'DEADLINE_EXCEEDED')) return 'cut';
  if (answer.data?.products?.nodes?.length !== 100) return undefined;
  return answer.errors === undefined ? 'served' : 'degraded';
}

const [url, clients, loadMs, sliceMs] = process.argv.slice(2).map((arg, index) => (index === 0 ? arg : Number(arg))) as [string, number, number, number];
const pool = new Pool(url, { connections: clients, headersTimeout: 15_000, bodyTimeout: 15_000 });
const body = JSON.stringify({ query: HEAVY_QUERY });
const slices: Slice[] = [];
const firstWave = { served: 0, cut: 0, refused: 0, degraded: 0, other: 0 };
const retryAfter = new Set<string>();
let firstRefusalMs = -1;
const stepAt = performance.now();
const until = stepAt + loadMs;
console.log(`step ${performance.timeOrigin + stepAt}`);
try {
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let first = true; performance.now() < until; first = false) {
        const response = await pool.request({ method: 'POST', path: '/graphql', headers: { 'content-type': 'application/json', accept: 'application/json' }, body });
        const text = await response.body.text();
        const arrivedMs = performance.now() - stepAt;
        const slice = (slices[Math.floor(arrivedMs / sliceMs)] ??= emptySlice());
        const kind = kindOf(response.statusCode, text);
        if (kind) slice[kind]++;
        else slice.other.push(`${response.statusCode} ${text.slice(0, 120)}`);
        if (first) firstWave[kind ?? 'other']++;
        if (response.statusCode === 503) {
          retryAfter.add(String(response.headers['retry-after']));
          if (firstRefusalMs < 0) firstRefusalMs = Math.round(arrivedMs);
        }
      }
    }),
  );
} finally {
  await pool.close();
}
const summary: ColdStepSummary = {
  stepAt: performance.timeOrigin + stepAt,
  sliceMs,
  slices: Array.from(slices, (slice) => slice ?? emptySlice()),
  retryAfter: [...retryAfter],
  firstRefusalMs,
  firstWave,
};
console.log(JSON.stringify(summary));
