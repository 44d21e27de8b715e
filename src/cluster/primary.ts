import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import type { Address, Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import type { BallastConfig } from '../config-schema.js';
import { lifecycleLog } from '../observability/logger.js';
import { mergeStatuses } from '../dashboard/status.js';
import type { DashboardStatus } from '../dashboard/status.js';
import { SOURCES } from '../sources/registry.js';
import { DECLARED_SOURCE_NAMES } from '../declared/names.js';
import { loadConfig } from '../config.js';
import { sourceUrlsOf, withSourceUrls } from '../source-urls.js';
import type { FailureSample } from '../observability/failure-samples.js';
import { HostStaleDepot } from './host-stale-depot.js';
import { STALE_GET, STALE_PUT } from './host-stale-store.js';
import type { SharedStaleValue } from './host-stale-store.js';
import { askEveryWorker, serveFromPrimary } from './ipc.js';
import { workerExecArgv } from './node-flags.js';

export const SHUTDOWN_MESSAGE = 'ballast:shutdown';
/** Demo service URLs handed to workers, so their dashboards can drive the primary's demo services. */
export const DEMO_URLS_VARIABLE = 'BALLAST_DEMO_URLS';

/** What the primary needs of the demo services main.ts started: their URLs, and to stop them. */
export interface PrimaryDemo {
  urls: Partial<Record<string, string>>;
  close(): Promise<void>;
}

export interface PrimaryOptions {
  workers: number;
  demo: PrimaryDemo | undefined;
  /** The `--config` file, re-read on SIGHUP. */
  configPath?: string | undefined;
  /** Called once, when the first worker listens. */
  onListening(address: Address): void;
}

/**
 * The cluster primary: forks `workers` Ballast processes sharing the port, replaces any that
 * dies, aggregates their metrics and dashboard status for whichever worker is asked, restarts
 * them one at a time on SIGHUP, and drains them all on SIGTERM / SIGINT.
 */
export function runPrimary(config: BallastConfig, options: PrimaryOptions): void {
  const aggregator = new AggregatorRegistry();
  const depot = new HostStaleDepot(config.cluster.staleMaxBytes);
  const fleet = { env: workerEnvironment(config, options.demo), stopping: false, announced: false };
  let restarting = Promise.resolve();
  cluster.setupPrimary({ execArgv: workerExecArgv(process.execArgv) });

  const fork = (): Worker => {
    const worker = cluster.fork(fleet.env);
    serveFromPrimary(worker, primaryQueries(aggregator, depot), { [STALE_PUT]: (values) => Array.isArray(values) && depot.put(values as SharedStaleValue[]) });
    worker.once('listening', (address) => {
      if (fleet.announced) return;
      fleet.announced = true;
      options.onListening(address);
    });
    return worker;
  };

  cluster.on('exit', (worker, code, signal) => {
    if (fleet.stopping || worker.exitedAfterDisconnect) return;
    // Exit code 2 before any worker listened: a start-up error (port in use, bad HOST) the worker
    // already reported in one line; forking again would only repeat it forever.
    if (!fleet.announced && code === 2) process.exit(2);
    lifecycleLog().error({ workerPid: worker.process.pid, exitCode: code, signal }, `worker ${worker.process.pid} died (${signal ?? code}); starting a new one`);
    fork();
  });
  for (let i = 0; i < options.workers; i++) fork();

  process.on('SIGHUP', () => {
    const next = reloadedEnvironment(config, options);
    if (!next) return;
    fleet.env = next;
    // A second SIGHUP during a restart waits for it, then replaces the workers again.
    restarting = restarting.then(() => rollingRestart(fork));
  });
  stopOnSignals(fleet, options);
}

/** What a worker may ask the primary: the fleet's metrics, status and samples, and host-wide stale values. */
function primaryQueries(aggregator: InstanceType<typeof AggregatorRegistry>, depot: HostStaleDepot): Parameters<typeof serveFromPrimary>[1] {
  return {
    metrics: () => aggregator.clusterMetrics(),
    'fleet-status': async () => ({ ...mergeStatuses((await askEveryWorker('status')) as DashboardStatus[]), hostStaleEntries: depot.size }),
    'fleet-samples': async (source) => mergeSamples((await askEveryWorker('samples', source)) as FailureSample[][]),
    [STALE_GET]: (keys) => (Array.isArray(keys) ? depot.get(keys as string[]) : []),
  };
}

/** SIGTERM / SIGINT: drain every worker, close the demo services, exit. */
function stopOnSignals(fleet: { stopping: boolean }, options: PrimaryOptions): void {
  const stop = (signal: NodeJS.Signals): void => {
    if (fleet.stopping) return;
    fleet.stopping = true;
    lifecycleLog().info({ signal }, `${signal}: draining ${Object.keys(cluster.workers ?? {}).length} workers, then stopping`);
    void drainAll().then(async () => {
      await options.demo?.close();
      process.exit(0);
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

function workerEnvironment(config: BallastConfig, demo: PrimaryDemo | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of allSources()) {
    const url = config.sources[source.name].url;
    if (url) env[source.urlVariable] = url;
  }
  if (demo) env[DEMO_URLS_VARIABLE] = JSON.stringify(demo.urls);
  // Workers share the port, so a client's next page may land on another worker: they must all
  // accept each other's cursors. Without a configured secret, the primary picks one for them.
  if (!config.security.cursorSecret) env.BALLAST__security__cursorSecret = JSON.stringify(randomBytes(32).toString('base64url'));
  return env;
}

/** Coded sources and those declared with `@rest` in the SDL (docs/adding-a-data-source.md), with their URL variables. */
function allSources(): Array<{ name: (typeof SOURCES)[number]['name']; urlVariable: string }> {
  const declared = DECLARED_SOURCE_NAMES.map((name) => ({ name: name as (typeof SOURCES)[number]['name'], urlVariable: `${name.toUpperCase()}_URL` }));
  return [...SOURCES, ...declared];
}

/**
 * The workers' environment for a reload, or undefined (and one error line in the log) when the config
 * file no longer validates: the running workers then keep the config they have. The port and
 * host stay those the workers share.
 */
function reloadedEnvironment(running: BallastConfig, options: PrimaryOptions): Record<string, string> | undefined {
  let next: BallastConfig;
  try {
    next = loadConfig(process.env, options.configPath);
  } catch (error) {
    lifecycleLog().error(`reload refused, keeping the running config: ${(error as Error).message}`);
    return undefined;
  }
  return { ...workerEnvironment(withSourceUrls(next, options.demo?.urls, sourceUrlsOf(running)), options.demo), PORT: String(running.port), HOST: running.host };
}

/** Every worker's samples, oldest first; equal times keep the workers' order, so each answer is the same. */
function mergeSamples(perWorker: FailureSample[][]): FailureSample[] {
  return perWorker.flat().sort((a, b) => a.at.localeCompare(b.at));
}

/** Asks `worker` to drain (finish in-flight requests) and waits for it to exit; kills it after 15 s. */
function drain(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    if (worker.isDead()) return resolve();
    const force = setTimeout(() => worker.process.kill('SIGKILL'), 15_000);
    worker.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    // A worker still starting may have no channel yet: without a callback the EPIPE would be an
    // unhandled 'error' that ends the primary. Such a worker is stopped by its signal instead.
    worker.send(SHUTDOWN_MESSAGE, (error: Error | null) => {
      if (error) worker.process.kill('SIGTERM');
    });
    worker.disconnect();
  });
}

async function drainAll(): Promise<void> {
  await Promise.all(Object.values(cluster.workers ?? {}).flatMap((worker) => (worker ? [drain(worker)] : [])));
}

/** Replaces the workers one at a time, each after its replacement listens: no moment without capacity. */
async function rollingRestart(fork: () => Worker): Promise<void> {
  for (const old of Object.values(cluster.workers ?? {})) {
    if (!old) continue;
    const replacement = fork();
    await new Promise((resolve) => replacement.once('listening', resolve));
    await drain(old);
  }
  lifecycleLog().info('rolling restart done');
}
