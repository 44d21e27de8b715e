import { Pool } from 'undici';
import { isCutAtDeadline } from './verify.js';
import type { Verdict } from './verify.js';

/** The requests of one scenario (bodies sent in turn) and the check of each one's answer. */
export interface Workload {
  bodies: string[];
  verify(index: number, text: string): Verdict;
  /** Of the answers `verify` calls bad: one degraded under load that says so, every value shown exact or a fallback. */
  reported?(index: number, text: string): boolean;
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
  /** Of `wrong`: answers degraded under load that said so, every value shown exact or a fallback (`Workload.reported`). */
  reported: number;
  requests: number;
  /** Open loop only: what the answers were beyond good or bad, and what the generator itself held back. */
  openLoop?: OpenLoopDetail;
}

/** What an open-loop run needs to show that every request reached the server, and how each was answered. */
export interface OpenLoopDetail {
  /** Connections the pool may open: sized from rate x client timeout, so none is ever lacking. */
  connections: number;
  clientTimeoutMs: number;
  /**
   * Requests sent while every connection the pool may open was taken by an outstanding request:
   * those waited in the generator, not at the server. 0 means none did.
   */
  queuedInGenerator: number;
  /** The most requests undici's pool reported queued for a connection, sampled at every send. */
  maxPoolQueued: number;
  /** The latest a request was sent after its scheduled time: the generator's own lateness. */
  maxSendLagMs: number;
  /** p50 / p99 / p99.9 / max of the good answers alone, from the scheduled send time. */
  servedP50Ms: number;
  servedP99Ms: number;
  servedP999Ms: number;
  servedMaxMs: number;
  /** p99 of the good answers from the time each was actually sent: without the generator's own lateness. */
  servedP99FromSendMs: number;
  /** 503 answers, and how many of them carried Retry-After. */
  refused: number;
  refusedWithRetryAfter: number;
  /** 200 answers with `data: null` and DEADLINE_EXCEEDED (Ballast's cut at the deadline). */
  cut: number;
  /** Bad 2xx answers that were degraded and said so, every value exact, null or the declared default (not wrong, not throughput). */
  reported: number;
  /** Requests the client gave up on after clientTimeoutMs, and other transport errors. */
  timeouts: number;
  transportErrors: number;
  /** The start of the first answer that was neither good, a 503 nor a cut: what to look at first. */
  otherSample?: string;
}

/** Far below a round's length, so a server that answers nothing shows as errors, not as 0 requests. */
export const REQUEST_TIMEOUT_MS = 2_000;
/** Open loop: at least this many connections, more when rate x client timeout needs more (openLoopConnections). */
const OPEN_LOOP_CONNECTIONS = 512;
const HEADERS = { 'content-type': 'application/json', accept: 'application/json' };

type Outcome = Verdict | 'non2xx' | 'error';

class Tally {
  readonly counts: Record<Outcome, number> = { exact: 0, degraded: 0, bad: 0, non2xx: 0, error: 0 };
  readonly latencies: number[] = [];
  reported = 0;

  record(outcome: Outcome, latencyMs: number, reported = false): void {
    this.counts[outcome]++;
    if (reported) this.reported++;
    this.latencies.push(latencyMs);
  }

  result(seconds: number): LoadResult {
    const sorted = this.latencies.sort((a, b) => a - b);
    const at = (p: number) => (sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]! * 10) / 10 : Number.NaN);
    const { exact, degraded, bad, non2xx, error } = this.counts;
    return { requestsPerSecond: (exact + degraded) / seconds, p50Ms: at(0.5), p99Ms: at(0.99), p999Ms: at(0.999), non2xx, errors: error, exact, degraded, wrong: bad, reported: this.reported, requests: sorted.length };
  }
}

/** One closed-loop answer: its outcome, and for a bad 2xx whether it was degraded and said so. */
async function send(pool: Pool, path: string, workload: Workload, index: number, signal?: AbortSignal): Promise<{ outcome: Outcome; reported: boolean }> {
  try {
    const { statusCode, body } = await pool.request({ method: 'POST', path, headers: HEADERS, body: workload.bodies[index], signal });
    const text = await body.text();
    if (statusCode < 200 || statusCode > 299) return { outcome: 'non2xx', reported: false };
    const outcome = workload.verify(index, text);
    return { outcome, reported: outcome === 'bad' && (workload.reported?.(index, text) ?? false) };
  } catch {
    return { outcome: 'error', reported: false };
  }
}

/** One open-loop answer, told apart finer than Outcome: refusals, cuts and timeouts are what an overload run is about. */
type Answer = { outcome: Outcome; detail: 'served' | 'refused' | 'refused-retry-after' | 'cut' | 'reported' | 'timeout' | 'error' | 'other'; sample?: string };


async function sendOpen(pool: Pool, path: string, workload: Workload, index: number, signal: AbortSignal): Promise<Answer> {
  try {
    const { statusCode, headers, body } = await pool.request({ method: 'POST', path, headers: HEADERS, body: workload.bodies[index], signal });
    const text = await body.text();
    if (statusCode === 503) return { outcome: 'non2xx', detail: headers['retry-after'] === undefined ? 'refused' : 'refused-retry-after' };
    if (statusCode < 200 || statusCode > 299) return { outcome: 'non2xx', detail: 'other', sample: `${statusCode} ${text.slice(0, 300)}` };
    const outcome = workload.verify(index, text);
    if (outcome !== 'bad') return { outcome, detail: 'served' };
    if (isCutAtDeadline(text)) return { outcome, detail: 'cut' };
    return workload.reported?.(index, text) ? { outcome, detail: 'reported' } : { outcome, detail: 'other', sample: `${statusCode} ${text.length > 600 ? `${text.slice(0, 200)} … ${text.slice(-400)}` : text}` };
  } catch (error) {
    return { outcome: 'error', detail: signal.aborted || (error as Error).name === 'TimeoutError' ? 'timeout' : 'error' };
  }
}

/**
 * Connections for an open loop at `rate`: every request is outstanding at most the client timeout,
 * so rate x timeout (plus slack for a generator tick that sends a late batch at once) is the most
 * that can ever be outstanding: with that many, no request waits in the generator for a connection.
 */
export function openLoopConnections(rate: number, clientTimeoutMs: number): number {
  return Math.max(OPEN_LOOP_CONNECTIONS, Math.ceil(rate * (clientTimeoutMs / 1000) * 1.1) + 64);
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
      const { outcome, reported } = await send(pool, pathname, workload, index);
      tally.record(outcome, performance.now() - sent, reported);
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
 * The pool may open as many connections as can ever be outstanding (openLoopConnections), so past
 * the server's capacity requests reach the server and are answered or refused there, not held in
 * the generator; `openLoop.queuedInGenerator` counts any that were held all the same.
 */
export async function openLoop(url: string, workload: Workload, rate: number, seconds: number, clientTimeoutMs = REQUEST_TIMEOUT_MS): Promise<LoadResult> {
  const { origin, pathname } = new URL(url);
  const connections = openLoopConnections(rate, clientTimeoutMs);
  const pool = new Pool(origin, { connections });
  const tally = new Tally();
  const served: number[] = [];
  const servedFromSend: number[] = [];
  const details: Record<Answer['detail'], number> = { served: 0, refused: 0, 'refused-retry-after': 0, cut: 0, reported: 0, timeout: 0, error: 0, other: 0 };
  let outstanding = 0;
  let queuedInGenerator = 0;
  let maxPoolQueued = 0;
  let maxSendLagMs = 0;
  let otherSample: string | undefined;
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
        maxSendLagMs = Math.max(maxSendLagMs, now - due);
        if (outstanding >= connections) queuedInGenerator++;
        outstanding++;
        const request = sendOpen(pool, pathname, workload, sent % workload.bodies.length, AbortSignal.timeout(clientTimeoutMs)).then((answer) => {
          outstanding--;
          const latencyMs = performance.now() - due;
          if (answer.detail === 'served') servedFromSend.push(performance.now() - now);
          tally.record(answer.outcome, latencyMs, answer.detail === 'reported');
          details[answer.detail]++;
          if (answer.detail === 'served') served.push(latencyMs);
          otherSample ??= answer.sample;
        });
        inFlight.push(request);
        maxPoolQueued = Math.max(maxPoolQueued, pool.stats.queued);
      }
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  await Promise.all(inFlight);
  await pool.destroy();
  served.sort((a, b) => a - b);
  const at = (p: number) => (served.length ? Math.round(served[Math.min(served.length - 1, Math.floor(served.length * p))]! * 10) / 10 : Number.NaN);
  const openLoopDetail: OpenLoopDetail = {
    connections,
    clientTimeoutMs,
    queuedInGenerator,
    maxPoolQueued,
    maxSendLagMs: Math.round(maxSendLagMs),
    servedP50Ms: at(0.5),
    servedP99Ms: at(0.99),
    servedP999Ms: at(0.999),
    servedMaxMs: Math.round(served.at(-1) ?? Number.NaN),
    servedP99FromSendMs: Math.round(servedFromSend.sort((a, b) => a - b)[Math.min(servedFromSend.length - 1, Math.floor(servedFromSend.length * 0.99))] ?? Number.NaN),
    refused: details.refused + details['refused-retry-after'],
    refusedWithRetryAfter: details['refused-retry-after'],
    cut: details.cut,
    reported: details.reported,
    timeouts: details.timeout,
    transportErrors: details.error,
    otherSample,
  };
  return { ...tally.result(seconds), openLoop: openLoopDetail };
}

/** The round with the median throughput. */
export function median(rounds: LoadResult[]): LoadResult {
  const sorted = [...rounds].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  return sorted[Math.floor(sorted.length / 2)]!;
}
