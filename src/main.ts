import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { runPrimary } from './cluster/primary.js';
import { runWorker } from './cluster/worker.js';
import { ConfigError, loadConfig } from './config.js';
import type { BallastConfig, SourceName } from './config-schema.js';
import { ALL_SOURCE_NAMES } from './declared/names.js';
import type { DemoSourceName } from './demo/routes.js';
import { inProcessDemoControl } from './demo/control.js';
import { startDemoServices } from './demo/index.js';
import { DEMO_ROUTES } from './demo/routes.js';
import { lifecycleLog } from './observability/logger.js';
import { redactUrl } from './redact.js';
import { SOURCES } from './sources/registry.js';
import type { DemoServices } from './demo/index.js';
import { createGateway } from './server.js';
import { startTracing, stopTracing } from './observability/tracing.js';
import { ReloadableGateway, reloadOnHangup } from './reload.js';
import { checkStartup } from './startup-checks.js';
import { withSourceUrls } from './source-urls.js';

const HELP = `Usage: ballast [--config FILE] [--port N] [--workers N]
       ballast check-config [FILE]

Runs the Ballast GraphQL gateway. Sources without a URL variable
(${SOURCES.map((source) => source.urlVariable).join(', ')})
are served by embedded demo services.

Commands:
  check-config [FILE]   validate the configuration (FILE, else BALLAST_CONFIG, plus the
                        environment) and print the effective policy of every source

Options:
  --config FILE   JSON or YAML config file (also BALLAST_CONFIG); see docs/configuration.md
  --port N        port to listen on (also PORT; default 4000)
  --workers N     worker processes sharing the port (also BALLAST_WORKERS; default: one per core)
  -h, --help      show this help
`;

/** Entry: config → embedded demo upstreams for sources without a URL → server → graceful shutdown. */
async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { config: { type: 'string' }, port: { type: 'string' }, workers: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  if (positionals[0] === 'check-config') return checkConfig(positionals[1] ?? values.config);
  if (positionals.length) throw new ConfigError(`unknown command "${positionals[0]}"; see --help`);
  const env = values.port === undefined ? process.env : { ...process.env, PORT: values.port };
  const config = loadConfig(env, values.config);
  started = config;
  // Each worker exports its own spans; a cluster's primary serves no requests, so it has none.
  if (cluster.isWorker) return startTracing(process.env).then(() => runWorker(config));
  checkStartup(config, process.env, undefined, Object.keys(DEMO_ROUTES));
  const workers = workerCount(values.workers ?? process.env.BALLAST_WORKERS);
  const demo = await startDemoFor(config);
  const resolved = withSourceUrls(config, demo?.urls);
  if (workers > 1) {
    runPrimary(resolved, { workers, demo, configPath: values.config, onListening: (address) => printBanner(resolved, bannerUrl(address), demo, workers) });
    return;
  }
  await serveInThisProcess(resolved, demo, () => withSourceUrls(loadConfig(env, values.config), demo?.urls));
}

/** `ballast check-config [file]`: validates, runs the start-up checks and prints each source's policy. */
function checkConfig(path: string | undefined): void {
  const config = loadConfig(process.env, path);
  started = config;
  checkStartup(config, process.env, undefined, Object.keys(DEMO_ROUTES));
  process.stdout.write(describePolicies(config));
}

function bannerUrl(address: { address?: string | null; port: number }): string {
  const host = address.address && address.address !== '0.0.0.0' && address.address !== '::' ? address.address : 'localhost';
  return `http://${host}:${address.port}`;
}

/** One process serves: SIGHUP reloads the config (`reread`) onto the same server, SIGTERM drains. */
async function serveInThisProcess(config: BallastConfig, demo: DemoServices | undefined, reread: () => BallastConfig): Promise<void> {
  await startTracing(process.env);
  const demoOption = demo ? { demo: inProcessDemoControl(demo) } : {};
  const gateway = createGateway(config, demoOption);
  const url = await gateway.listen();
  printBanner(config, url, demo, 1);
  const reloadable = new ReloadableGateway(gateway);
  // Sources the running demo services stand in for keep them; the server keeps its port.
  reloadOnHangup(reloadable, (server, opsServer) => createGateway(reread(), { server, opsServer, ...demoOption }));
  installShutdown(async () => {
    await reloadable.close({ drainDelayMs: Number(process.env.BALLAST_DRAIN_DELAY_MS ?? 0) });
    await demo?.close();
    await stopTracing();
  });
}

/** Starts demo services for every source without a configured URL (withSourceUrls points the config at them). */
async function startDemoFor(config: BallastConfig): Promise<DemoServices | undefined> {
  // checkStartup refused production without URLs and sources without a demo service.
  const missing = (ALL_SOURCE_NAMES as SourceName[]).filter((name) => config.sources[name].url === undefined);
  if (missing.length === 0) return undefined;
  return startDemoServices({ sources: missing as DemoSourceName[], latency: { baseMs: 5, jitterMs: 10 } });
}

/** The effective policy of every source, one block each: what `check-config` prints. */
function describePolicies(config: BallastConfig): string {
  const lines = [`config OK · mode ${config.mode} · port ${config.port} · deadline ${config.deadlineMs} ms · identity ${config.identity.mode}`];
  for (const name of ALL_SOURCE_NAMES as SourceName[]) {
    const policy = config.sources[name];
    lines.push(
      `${name}${policy.critical ? ' (critical)' : ''}: ${policy.url === undefined ? 'embedded demo' : redactUrl(policy.url)}`,
      `  timeout ${policy.timeoutMs} ms total, ${policy.attemptTimeoutMs} ms per attempt; batches of up to ${policy.maxBatchSize}`,
      `  retry ${policy.retry.maxAttempts} attempts, backoff ${policy.retry.baseDelayMs}-${policy.retry.maxDelayMs} ms, budget ${policy.retry.budgetRatio * 100}% + ${policy.retry.budgetMinPerSecond}/s`,
      `  breaker ${policy.breaker.enabled ? `opens above ${policy.breaker.errorThresholdPercentage}% errors over ${policy.breaker.windowMs} ms (min ${policy.breaker.volumeThreshold} calls), probes after ${policy.breaker.resetTimeoutMs} ms` : 'off'}`,
      `  bulkhead ${policy.bulkhead.maxConcurrent} in flight + ${policy.bulkhead.maxQueue} queued; stale values up to ${policy.maxStaleMs} ms`,
      `  forwards ${policy.forwardHeaders.join(', ') || 'no client headers'}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** `--workers N` (or BALLAST_WORKERS); default one per available core. */
function workerCount(value: string | undefined): number {
  if (value === undefined) return availableParallelism();
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1 || count > 256) throw new ConfigError(`--workers ${value}: must be a whole number from 1 to 256`);
  return count;
}

/** Production: one JSON line (log collectors parse every line). Development: a few lines for people. */
function printBanner(config: BallastConfig, url: string, demo: DemoServices | undefined, workers: number): void {
  const headline = `Ballast listening on ${url}/graphql (${config.mode} mode, deadline ${config.deadlineMs} ms, ${workers} worker${workers === 1 ? '' : 's'})`;
  if (config.mode === 'production') {
    const sources = Object.fromEntries((ALL_SOURCE_NAMES as SourceName[]).map((name) => [name, { kind: demo?.services[name] ? 'demo' : 'real', url: redactUrl(config.sources[name].url ?? '') }]));
    lifecycleLog().info({ url, mode: config.mode, deadlineMs: config.deadlineMs, workers, identity: config.identity.mode, staleCache: config.redis.url ? 'redis' : 'memory', sources }, headline);
    return;
  }
  const lines = [headline];
  if (config.mode === 'development') lines.push(`GraphiQL: ${url}/graphql · dashboard: ${url}/dashboard`);
  const opsUrl = config.ops.port === null ? url : `http://${config.ops.host}:${config.ops.port}`;
  lines.push(`Metrics: ${opsUrl}/metrics · health: ${opsUrl}/health · readiness: ${opsUrl}/ready`);
  lines.push('Sources:');
  for (const name of ALL_SOURCE_NAMES as SourceName[]) {
    const kind = demo?.services[name as SourceName] ? 'demo' : 'real';
    const policy = config.sources[name];
    lines.push(`  ${name.padEnd(10)} ${kind.padEnd(5)} ${redactUrl(policy.url ?? '')}  timeout ${policy.timeoutMs} ms, ${policy.retry.maxAttempts} attempts, breaker ${policy.breaker.enabled ? 'on' : 'off'}`);
  }
  if (config.identity.mode === 'none') lines.push('Identity: none configured; anyone may read any cart (fine for the demo, not for production).');
  lines.push(`Stale cache: ${config.redis.url ? `shared through Redis at ${new URL(config.redis.url).host}` : 'in memory'}`);
  console.log(lines.join('\n'));
}

function installShutdown(stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    lifecycleLog().info({ signal }, `${signal}: finishing in-flight requests, then stopping`);
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        lifecycleLog().error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

/** The loaded config, once there is one: start-up errors after it say which host and port. */
let started: BallastConfig | undefined;

/** Errors of `listen()` an operator fixes in HOST / PORT, not bugs. */
const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: 'the port is in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'no such address on this machine',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'host name lookup failed',
  EAI_FAIL: 'host name lookup failed',
};

/** A start-up failure the operator can fix (config, HOST, PORT, flags): its one-line message, else undefined. */
function operatorError(error: unknown): string | undefined {
  if (error instanceof ConfigError) return error.message;
  const code = error instanceof Error && 'code' in error ? String(error.code) : '';
  if (code.startsWith('ERR_PARSE_ARGS')) return (error as Error).message;
  const reason = LISTEN_ERRORS[code];
  if (reason && started) return `cannot listen on ${started.host}:${started.port}: ${reason} (${code})`;
  return undefined;
}

/** Production (by config, or by the environment when the config did not load) writes JSON. */
function productionMode(): boolean {
  if (started) return started.mode === 'production';
  const env = process.env;
  return (env.BALLAST_MODE ?? (env.NODE_ENV === 'production' ? 'production' : undefined)) === 'production';
}

/** Start-up failures end with exactly one line on stderr: JSON in production, `ballast: …` otherwise. */
function fail(message: string, exitCode: number, error?: unknown): never {
  if (productionMode()) {
    const line = { level: 60, time: new Date().toISOString(), service: 'ballast', pid: process.pid, ...(cluster.isWorker && cluster.worker ? { worker: cluster.worker.id } : {}), msg: `ballast: ${message}`, exitCode, ...(error ? { stack: (error as Error).stack } : {}) };
    process.stderr.write(`${JSON.stringify(line)}\n`);
  } else {
    process.stderr.write(`ballast: ${message}${exitCode !== 2 && error instanceof Error && error.stack ? `\n${error.stack}` : ''}\n`);
  }
  process.exit(exitCode);
}

main().catch((error: unknown) => {
  const message = operatorError(error);
  if (message !== undefined) fail(message, 2);
  fail(`failed to start: ${redactUrl(error instanceof Error ? error.message : String(error))}`, 1, error);
});
