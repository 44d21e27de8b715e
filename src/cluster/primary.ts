import cluster from 'node:cluster';
import type { Address, Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import type { BallastConfig } from '../config-schema.js';
import type { DemoServices } from '../demo/index.js';
import { lifecycleLog } from '../observability/logger.js';
import { mergeStatuses } from '../plugins/dashboard-status.js';
import type { DashboardStatus } from '../plugins/dashboard-status.js';
import { SOURCES } from '../sources/registry.js';
import { askEveryWorker, serveFromPrimary } from './ipc.js';
import { workerExecArgv } from './node-flags.js';

export const SHUTDOWN_MESSAGE = 'ballast:shutdown';
/** Demo service URLs handed to workers, so their dashboards can drive the primary's demo services. */
export const DEMO_URLS_VARIABLE = 'BALLAST_DEMO_URLS';

export interface PrimaryOptions {
  workers: number;
  demo: DemoServices | undefined;
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
  const env = workerEnvironment(config, options.demo);
  let stopping = false;
  let announced = false;
  cluster.setupPrimary({ execArgv: workerExecArgv(process.execArgv) });

  const fork = (): Worker => {
    const worker = cluster.fork(env);
    serveFromPrimary(worker, {
      metrics: () => aggregator.clusterMetrics(),
      'fleet-status': async () => mergeStatuses((await askEveryWorker('status')) as DashboardStatus[]),
    });
    worker.once('listening', (address) => {
      if (announced) return;
      announced = true;
      options.onListening(address);
    });
    return worker;
  };

  cluster.on('exit', (worker, code, signal) => {
    if (stopping || worker.exitedAfterDisconnect) return;
    // Exit code 2 before any worker listened: a start-up error (port in use, bad HOST) the worker
    // already reported in one line; forking again would only repeat it forever.
    if (!announced && code === 2) process.exit(2);
    lifecycleLog().error({ workerPid: worker.process.pid, exitCode: code, signal }, `worker ${worker.process.pid} died (${signal ?? code}); starting a new one`);
    fork();
  });
  for (let i = 0; i < options.workers; i++) fork();

  process.on('SIGHUP', () => void rollingRestart(fork));
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    lifecycleLog().info({ signal }, `${signal}: draining ${Object.keys(cluster.workers ?? {}).length} workers, then stopping`);
    void drainAll().then(async () => {
      await options.demo?.close();
      process.exit(0);
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

function workerEnvironment(config: BallastConfig, demo: DemoServices | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of SOURCES) {
    const url = config.sources[source.name].url;
    if (url) env[source.urlVariable] = url;
  }
  if (demo) env[DEMO_URLS_VARIABLE] = JSON.stringify(demo.urls);
  return env;
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
    worker.send(SHUTDOWN_MESSAGE);
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
