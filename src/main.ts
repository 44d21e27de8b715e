import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { runPrimary } from './cluster/primary.js';
import { runWorker } from './cluster/worker.js';
import { ConfigError, loadConfig } from './config.js';
import type { BallastConfig, SourceName } from './config-schema.js';
import { SOURCE_NAMES } from './config-schema.js';
import { inProcessDemoControl } from './demo/control.js';
import { startDemoServices } from './demo/index.js';
import { DEMO_ROUTES } from './demo/routes.js';
import { SOURCES, urlVariableOf } from './sources/registry.js';
import type { DemoServices } from './demo/index.js';
import { createGateway } from './server.js';

const HELP = `Usage: ballast [--config FILE] [--port N]
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
  if (positionals[0] === 'check-config') {
    const config = loadConfig(process.env, positionals[1] ?? values.config);
    process.stdout.write(describePolicies(config));
    return;
  }
  if (positionals.length) throw new ConfigError(`unknown command "${positionals[0]}"; see --help`);
  const env = values.port === undefined ? process.env : { ...process.env, PORT: values.port };
  const config = loadConfig(env, values.config);
  if (cluster.isWorker) return runWorker(config);
  const workers = workerCount(values.workers ?? process.env.BALLAST_WORKERS);
  const demo = await startDemoFor(config);
  if (workers > 1) {
    runPrimary(config, {
      workers,
      demo,
      onListening: (address) => printBanner(config, `http://${address.address && address.address !== '0.0.0.0' && address.address !== '::' ? address.address : 'localhost'}:${address.port}`, demo, workers),
    });
    return;
  }
  const gateway = createGateway(config, demo ? { demo: inProcessDemoControl(demo) } : {});
  const url = await gateway.listen();
  printBanner(config, url, demo, 1);
  installShutdown(async () => {
    await gateway.close({ drainDelayMs: Number(process.env.BALLAST_DRAIN_DELAY_MS ?? 0) });
    await demo?.close();
  });
}

/** Starts demo services for every source without a configured URL and points the config at them. */
async function startDemoFor(config: BallastConfig): Promise<DemoServices | undefined> {
  const missing = SOURCE_NAMES.filter((name) => config.sources[name].url === undefined);
  if (missing.length === 0) return undefined;
  // Production must never quietly answer from made-up data.
  if (config.mode === 'production' && process.env.BALLAST_DEMO !== '1') {
    throw new ConfigError(`production mode needs real upstreams: set ${missing.map(urlVariableOf).join(', ')} (or BALLAST_DEMO=1 to run the demo services anyway)`);
  }
  const withoutDemo = missing.filter((name) => !DEMO_ROUTES[name]);
  if (withoutDemo.length) throw new ConfigError(`no URL for ${withoutDemo.join(', ')} and no demo service to stand in: set ${withoutDemo.map(urlVariableOf).join(', ')}`);
  const demo = await startDemoServices({ sources: missing, latency: { baseMs: 5, jitterMs: 10 } });
  for (const name of missing) config.sources[name].url = demo.urls[name];
  return demo;
}

/** The effective policy of every source, one block each: what `check-config` prints. */
function describePolicies(config: BallastConfig): string {
  const lines = [`config OK · mode ${config.mode} · port ${config.port} · deadline ${config.deadlineMs} ms · identity ${config.identity.mode}`];
  for (const name of SOURCE_NAMES) {
    const policy = config.sources[name];
    lines.push(
      `${name}${policy.critical ? ' (critical)' : ''}: ${policy.url ?? 'embedded demo'}`,
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

function printBanner(config: BallastConfig, url: string, demo: DemoServices | undefined, workers: number): void {
  const lines = [`Ballast listening on ${url}/graphql (${config.mode} mode, deadline ${config.deadlineMs} ms, ${workers} worker${workers === 1 ? '' : 's'})`];
  if (config.mode === 'development') lines.push(`GraphiQL: ${url}/graphql · dashboard: ${url}/dashboard`);
  const opsUrl = config.ops.port === null ? url : `http://${config.ops.host}:${config.ops.port}`;
  lines.push(`Metrics: ${opsUrl}/metrics · health: ${opsUrl}/health · readiness: ${opsUrl}/ready`);
  lines.push('Sources:');
  for (const name of SOURCE_NAMES) {
    const kind = demo?.services[name as SourceName] ? 'demo' : 'real';
    const policy = config.sources[name];
    lines.push(`  ${name.padEnd(10)} ${kind.padEnd(5)} ${policy.url ?? ''}  timeout ${policy.timeoutMs} ms, ${policy.retry.maxAttempts} attempts, breaker ${policy.breaker.enabled ? 'on' : 'off'}`);
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
    console.log(`${signal}: finishing in-flight requests, then stopping`);
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('shutdown failed:', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
    console.error(`ballast: ${error.message}`);
    process.exit(2);
  }
  console.error('ballast: failed to start:', error);
  process.exit(1);
});
