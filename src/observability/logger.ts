import cluster from 'node:cluster';
import pino from 'pino';
import type { DestinationStream, Logger } from 'pino';
import type { BallastConfig } from '../config-schema.js';

export type { Logger } from 'pino';

/** JSON lines to stdout (or `destination`, for tests), at the configured level. */
export function createLogger(level: BallastConfig['logLevel'], destination?: DestinationStream): Logger {
  return pino({ level, base: processFields(), timestamp: pino.stdTimeFunctions.isoTime }, destination);
}

/** On every line: which process (and, in a cluster, which worker) wrote it. */
function processFields(): Record<string, unknown> {
  return { service: 'ballast', pid: process.pid, ...(cluster.isWorker && cluster.worker ? { worker: cluster.worker.id } : {}) };
}

/**
 * Start-up, shutdown and cluster events (banner, worker deaths, signals): written whatever
 * `logLevel` says — an operator always needs them — as JSON lines like every other log line.
 */
export function lifecycleLog(): Logger {
  lifecycle ??= createLogger('info');
  return lifecycle;
}
let lifecycle: Logger | undefined;

/**
 * Lets one warning per key through every `intervalMs`, and says how many were held back, so an
 * outage of a busy source writes a line every few seconds instead of one per request.
 */
export class RateLimitedWarnings {
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #state = new Map<string, { lastAt: number; suppressed: number }>();

  constructor(logger: Logger, intervalMs = 10_000) {
    this.#logger = logger;
    this.#intervalMs = intervalMs;
  }

  warn(key: string, fields: Record<string, unknown>, message: string, now = Date.now()): void {
    const state = this.#state.get(key);
    if (state && now - state.lastAt < this.#intervalMs) {
      state.suppressed += 1;
      return;
    }
    this.#logger.warn({ ...fields, suppressed: state?.suppressed ?? 0 }, message);
    this.#state.set(key, { lastAt: now, suppressed: 0 });
  }
}
