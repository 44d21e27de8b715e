import { Pool } from 'undici';
import type { Verdict } from './verify.js';

/** The requests of one scenario (bodies sent in turn) and the check of each one's answer. */
export interface Workload {
  bodies: string[];
  verify(index: number, text: string): Verdict;
}

export interface LoadResult {
  /** Good answers (exact, or the scenario's expected degradation) per second: bad ones are not throughput. */
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  non2xx: number;
  /** Transport errors and timeouts. */
  errors: number;
  exact: number;
  degraded: number;
  /** 2xx answers that were wrong, incomplete or degraded beyond the scenario's fault. */
  wrong: number;
  requests: number;
}

/** Far below a round's length, so a server that answers nothing shows as errors, not as 0 requests. */
export const REQUEST_TIMEOUT_MS = 2_000;
/** Open loop: enough connections that requests wait at the server, not in the load generator. */
const OPEN_LOOP_CONNECTIONS = 512;
const HEADERS = { 'content-type': 'application/json', accept: 'application/json' };

type Outcome = Verdict | 'non2xx' | 'error';

class Tally {
  readonly counts: Record<Outcome, number> = { exact: 0, degraded: 0, bad: 0, non2xx: 0, error: 0 };
  readonly latencies: number[] = [];

  record(outcome: Outcome, latencyMs: number): void {
    this.counts[outcome]++;
    this.latencies.push(latencyMs);
  }

  result(seconds: number): LoadResult {
    const sorted = this.latencies.sort((a, b) => a - b);
    const at = (p: number) => (sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]! * 10) / 10 : Number.NaN);
    const { exact, degraded, bad, non2xx, error } = this.counts;
    return { requestsPerSecond: (exact + degraded) / seconds, p50Ms: at(0.5), p99Ms: at(0.99), p999Ms: at(0.999), non2xx, errors: error, exact, degraded, wrong: bad, requests: sorted.length };
  }
}

async function send(pool: Pool, path: string, workload: Workload, index: number, signal?: AbortSignal): Promise<Outcome> {
  try {
    const { statusCode, body } = await pool.request({ method: 'POST', path, headers: HEADERS, body: workload.bodies[index], signal });
    const text = await body.text();
    return statusCode < 200 || statusCode > 299 ? 'non2xx' : workload.verify(index, text);
  } catch {
    return 'error';
  }
}

/** Closed loop: `connections` clients, each sending its next request when the last one answered. */
export async function closedLoop(url: string, workload: Workload, seconds: number, connections = 50): Promise<LoadResult> {
  const { origin, pathname } = new URL(url);
  const pool = new Pool(origin, { connections, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS });
  const tally = new Tally();
  let next = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  const client = async (): Promise<void> => {
    while (performance.now() < end) {
      const index = next++ % workload.bodies.length;
      const sent = performance.now();
      tally.record(await send(pool, pathname, workload, index), performance.now() - sent);
    }
  };
  await Promise.all(Array.from({ length: connections }, client));
  const elapsed = (performance.now() - start) / 1000;
  await pool.destroy();
  return tally.result(elapsed);
}

/**
 * Open loop: `rate` requests a second for `seconds`, each sent at its scheduled time whether or
 * not earlier ones answered; latency counts from the scheduled time, so a server that falls behind
 * shows its queue (no coordinated omission). Goodput is good answers over the schedule's length.
 */
export async function openLoop(url: string, workload: Workload, rate: number, seconds: number): Promise<LoadResult> {
  const { origin, pathname } = new URL(url);
  const pool = new Pool(origin, { connections: OPEN_LOOP_CONNECTIONS });
  const tally = new Tally();
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const inFlight: Array<Promise<void>> = [];
  const start = performance.now();
  await new Promise<void>((resolve) => {
    let sent = 0;
    const tick = (): void => {
      const now = performance.now();
      for (; sent < total && start + sent * interval <= now; sent++) {
        const due = start + sent * interval;
        inFlight.push(send(pool, pathname, workload, sent % workload.bodies.length, AbortSignal.timeout(REQUEST_TIMEOUT_MS)).then((outcome) => tally.record(outcome, performance.now() - due)));
      }
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  await Promise.all(inFlight);
  await pool.destroy();
  return tally.result(seconds);
}

/** The round with the median throughput. */
export function median(rounds: LoadResult[]): LoadResult {
  const sorted = [...rounds].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  return sorted[Math.floor(sorted.length / 2)]!;
}
