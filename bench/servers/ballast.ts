import { resolveConfig } from '../../src/config.js';
import type { ConfigOverrides } from '../../src/config.js';
import { ALL_SOURCE_NAMES as SOURCE_NAMES } from '../../src/declared/names.js';
import { createLogger } from '../../src/observability/logger.js';
import { startTracing, stopTracing } from '../../src/observability/tracing.js';
import { createGateway } from '../../src/server.js';
import { declaredPricingSchemaDir } from './declared-pricing.js';
import { announceReady, stopOnSignal } from './ready.js';

/**
 * B2–B4: Ballast over the bench's demo upstreams (URLs in BENCH_UPSTREAMS). The variant says
 * what is taken away: `naive` asks upstream once per key (maxBatchSize 1, as resolvers without
 * DataLoader would), `bare` turns every resilience policy off, `shipped` changes nothing,
 * `unshed` turns admission control off (bench/overload.ts), `declared-pricing` serves
 * `Product.price` from an `@rest` declaration instead of the coded pricing source (bench/README.md).
 */
const variant = process.argv[2] ?? 'shipped';
const upstreams = JSON.parse(process.env.BENCH_UPSTREAMS ?? '{}') as Record<string, string>;

const BARE_POLICY = {
  retry: { maxAttempts: 1 },
  breaker: { enabled: false },
  bulkhead: { maxConcurrent: 1_000_000, maxQueue: 0 },
  maxStaleMs: 0,
};

function overrides(): ConfigOverrides {
  // Connections per source stay at the shipped default (32) in every variant.
  const perSource = (extra: object) => Object.fromEntries(SOURCE_NAMES.map((name) => [name, { url: upstreams[name], ...extra }]));
  switch (variant) {
    case 'naive':
      return { sources: perSource({ maxBatchSize: 1 }) };
    case 'bare':
      return { sources: perSource(BARE_POLICY) };
    case 'shipped':
    case 'declared-pricing':
      return { sources: perSource({}) };
    // bench/overload.ts: as shipped but with admission control off, to compare shedding against none.
    case 'unshed':
      return { sources: perSource({}), server: { maxInFlight: 1_000_000, adaptiveLimit: false, maxEventLoopDelayMs: 0, queueShedding: { enabled: false }, deadlineAdmission: { enabled: false } } };
    // bench/overload.ts: as shipped without the deadline rule (server.deadlineAdmission), as shipped before it.
    case 'budgetless':
      return { sources: perSource({}), server: { deadlineAdmission: { enabled: false } } };
    // bench/overload.ts: as shipped plus queue-delay shedding (server.queueShedding, off by default).
    case 'queued':
      return { sources: perSource({}), server: { queueShedding: { enabled: true } } };
    default:
      throw new Error(`unknown Ballast variant ${variant}`);
  }
}

// S4's 200 ms field timeout applies to every variant, so the scenarios are the same for all; a
// harness that never runs S4 (overload, overload-open, cpu-ab on another scenario) turns it off with
// BENCH_S4_FIELD_TIMEOUT=0, so an inventory call slowed by overload is not cut at 200 ms.
const s4FieldTimeout = process.env.BENCH_S4_FIELD_TIMEOUT === '0' ? {} : { fieldTimeouts: { 'Product.inventory': 200 } };
// On only when the harness names an OTLP endpoint (bench/tracing.ts), before the gateway, as main.ts does.
await startTracing(process.env);
// Before the gateway reads its SDL; pricing is a coded source name, so nothing read earlier changes.
if (variant === 'declared-pricing') process.env.BALLAST_SCHEMA_DIR = declaredPricingSchemaDir();
const config = resolveConfig({ port: 0, host: '127.0.0.1', mode: 'production', logLevel: 'warn', ...s4FieldTimeout }, overrides());
const gateway = createGateway(config, { logger: createLogger('warn') });
const url = await gateway.listen();
announceReady({ url: `${url}/graphql` });
stopOnSignal(async () => {
  await gateway.close({ graceMs: 500 });
  await stopTracing(); // exports the spans still queued, so the bench counts every one
});
