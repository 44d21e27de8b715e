import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { renderGraphiQL as RenderGraphiQL } from '@graphql-yoga/render-graphiql';
import { visit } from 'graphql';
import type { DocumentNode } from 'graphql';
import { createYoga } from 'graphql-yoga';
import type { CORSOptions, YogaServerInstance, YogaServerOptions } from 'graphql-yoga';
import type { BallastConfig } from './config-schema.js';
import { readTypeDefs } from './declared/schema-files.js';
import { createContext } from './context.js';
import type { BallastContext } from './context.js';
import type { DemoControl } from './faults/contract.js';
import type { Fleet, GatewayState } from './gateway-state.js';
import { DEFAULT_QUERY } from './graphiql.js';
import { UpstreamClient } from './http/upstream-client.js';
import { createLogger } from './observability/logger.js';
import type { Logger } from './observability/logger.js';
import { Telemetry } from './observability/telemetry.js';
import { activeTracing } from './observability/tracing.js';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { useDashboard } from './dashboard/plugin.js';
import { useIdentity } from './plugins/use-identity.js';
import { useJitErrorCompatibility } from './plugins/use-jit-error-compatibility.js';
import { useRequestLimits } from './plugins/use-request-limits.js';
import { useTrustedDocuments } from './plugins/use-trusted-documents.js';
import { useRateLimit } from './plugins/use-rate-limit.js';
import { useResponsePhases } from './plugins/use-response-phases.js';
import { useAnswerByDeadline } from './plugins/use-answer-by-deadline.js';
import { Admission } from './front-door/admission.js';
import { createBoundedServer, opsHandler, publicHandler } from './front-door/listeners.js';
import { useDegradationReport } from './degradation/report-plugin.js';
import { useRequestLifecycle } from './plugins/use-request-lifecycle.js';
import { useCacheControl } from './plugins/use-cache-control.js';
import { useAutomaticPersistedQueries } from './plugins/use-automatic-persisted-queries.js';
import { useHealth } from './plugins/use-health.js';
import { useMetricsEndpoint } from './plugins/use-metrics-endpoint.js';
import { useStreamArguments } from './plugins/use-stream-arguments.js';
import { useTelemetry } from './plugins/use-telemetry.js';
import { useTracing } from './plugins/use-tracing.js';
import { createBallastSchema, RESOLVED_FIELDS } from './schema.js';
import { createSources } from './sources/bind.js';
import type { StaleStore } from './degradation/stale-cache.js';
import { sourceBaseUrls } from './source-urls.js';

// Loads GraphiQL's renderer only when it is on (loadGraphiQLRenderer below).
const requireModule = createRequire(import.meta.url);

/**
 * Any one of these headers marks a request as not a "simple" cross-site one (CSRF prevention):
 * Yoga's own, and Apollo Client's, so browser clients work out of the box.
 */
export const CSRF_HEADERS = ['x-graphql-yoga-csrf', 'apollo-require-preflight', 'x-apollo-operation-name'];

export interface GatewayOptions {
  /** Where logs go; a pino logger at `config.logLevel` on stdout by default. */
  logger?: Logger;
  /** Embedded demo services, when Ballast started them: the dashboard can break and heal them. */
  demo?: DemoControl;
  /** In a cluster worker: the other workers, through the primary. */
  fleet?: Fleet;
  /** Collect Node's default process metrics (off in tests that run many gateways). @default true */
  processMetrics?: boolean;
  /** Fallback warnings per source and reason at most once per this many ms. @default 10_000 */
  warningIntervalMs?: number;
  /** In a cluster worker without Redis: stale values shared with the host's other workers. */
  hostStaleStore?: StaleStore;
  /**
   * A reload: serve on this already listening server instead of creating one. The caller moves
   * the server's request listener to the new gateway's `handle` (src/reload.ts).
   */
  server?: Server;
  /** A reload with a separate ops listener: that running server, its listener moved to `handleOps`. */
  opsServer?: Server | undefined;
}

export interface Gateway {
  yoga: YogaServerInstance<Record<string, never>, BallastContext>;
  /** The server's request listener: admission control, then yoga. */
  handle(request: IncomingMessage, response: ServerResponse): void;
  /** The ops listener's request listener (/health, /ready, /metrics). */
  handleOps(request: IncomingMessage, response: ServerResponse): void;
  server: Server;
  /** The listener of /health, /ready and /metrics when `ops.port` is set (docs/operations.md). */
  opsServer: Server | undefined;
  state: GatewayState;
  client: UpstreamClient;
  /** Admission control of the public listener (a reload hands its measurements to the next gateway's). */
  admission: Admission;
  /** Listens on `config.port` (0 = any free port) and resolves to the base URL. */
  listen(port?: number, host?: string): Promise<string>;
  /**
   * Graceful stop: /ready turns 503 at once; after `drainDelayMs` (time for the load balancer to
   * notice) the server stops accepting, in-flight requests get up to `graceMs` to finish, then
   * pools and breakers close.
   */
  close(options?: { drainDelayMs?: number; graceMs?: number }): Promise<void>;
  /** Closes pools and breakers but not the server: a gateway replaced by a reload, once idle. */
  release(): Promise<void>;
}

/** Builds a Ballast: yoga with its plugins over a `node:http` server, one pipeline per source. */
export function createGateway(config: BallastConfig, options: GatewayOptions = {}): Gateway {
  const telemetry = new Telemetry(options.logger ?? createLogger(config.logLevel), { warningIntervalMs: options.warningIntervalMs });
  const client = new UpstreamClient();
  // One read of the SDL for both the schema and the declared sources' operations (a reload reads it again).
  const typeDefs = readTypeDefs();
  const sources = createSources(config, sourceBaseUrls(config), client, telemetry.observers, options.hostStaleStore, typeDefs, RESOLVED_FIELDS);
  telemetry.attachPipelines(sources.pipelines, options.processMetrics !== false);
  const state: GatewayState = { config, sources, telemetry, demo: options.demo, fleet: options.fleet, draining: false };
  const renderGraphiQL = loadGraphiQLRenderer(config);
  const admission = new Admission(config.server, config.deadlineMs, (reason) => telemetry.metrics.requestShed(reason), (late) => telemetry.responsePastDeadline(late));
  const yoga = createBallastYoga(state, typeDefs, admission, renderGraphiQL);
  const opsSeparate = config.ops.port !== null;
  const handle = publicHandler(yoga, admission, opsSeparate) as Gateway['handle'];
  // A reload (src/reload.ts) hands the running server to the new gateway, which then attaches nothing itself.
  const server = options.server ?? createBoundedServer(config.server, handle);
  const handleOps = opsHandler(yoga) as Gateway['handle'];
  const opsServer = opsSeparate ? (options.opsServer ?? createBoundedServer(config.server, handleOps)) : undefined;
  return { yoga, handle, handleOps, server, opsServer, state, client, admission, ...lifecycle({ state, server, opsServer, admission, client }) };
}

type BallastYoga = Gateway['yoga'];

/** Yoga over Ballast's schema, with the plugins in their order (each says why it is where it is). */
function createBallastYoga(state: GatewayState, typeDefs: ReturnType<typeof readTypeDefs>, admission: Admission, renderGraphiQL: typeof RenderGraphiQL | undefined): BallastYoga {
  const { config, sources } = state;
  const development = config.mode === 'development';
  const { security } = config;
  return createYoga<Record<string, never>, BallastContext>({
    schema: createBallastSchema(typeDefs),
    // `req` is the Node request (Yoga's server context; absent through yoga.fetch).
    context: (initial) => {
      const req = (initial as { req?: IncomingMessage }).req;
      return createContext({ config, operations: sources.operations }, initial.request, req ? admission.clockOf(req) : undefined);
    },
    // Last: it wraps the execute function graphql-jit chose.
    plugins: [...gatewayPlugins(state)!, useResponsePhases(admission), useAnswerByDeadline(() => state.telemetry.metrics.queryCutAtDeadline(), () => admission.worstLoopDriftMs, () => admission.saturated)],
    graphiql: (security.graphiql ?? development) ? { title: 'Ballast', defaultQuery: DEFAULT_QUERY, headers: JSON.stringify({ [CSRF_HEADERS[0]!]: '1' }) } : false,
    renderGraphiQL,
    landingPage: false,
    cors: corsPolicy(config),
    // Yoga's own empty-bodied health check would shadow Ballast's /health (which lists the worker).
    healthCheckEndpoint: '/internal/yoga-health',
    // useRequestLimits already refuses a POST over maxBodyBytes by its Content-Length and one
    // without it (411), and Node's parser never reads past Content-Length. Yoga's own limit would
    // pipe every body through a TransformStream as well: ~8% of S1's CPU (bench/README.md).
    maxRequestBodySize: false,
    batching: security.batchLimit > 0 ? { limit: security.batchLimit } : false,
    maskedErrors: { isDev: development },
    logging: false,
  });
}

/**
 * GraphiQL's page is a 9 MB module: imported statically, its source and the copies made while
 * compiling it stayed in every process's heap (about 40 MiB of RSS, most of it large objects no
 * young-generation GC frees) even where GraphiQL is off, as in production (bench/README.md,
 * "Sixth session: memory"). It is loaded only when GraphiQL is on, synchronously and before
 * admission control starts timing the event loop, so its compile pause sheds no request.
 */
function loadGraphiQLRenderer(config: BallastConfig): typeof RenderGraphiQL | undefined {
  if (!(config.security.graphiql ?? config.mode === 'development')) return undefined;
  return (requireModule('@graphql-yoga/render-graphiql') as { renderGraphiQL: typeof RenderGraphiQL }).renderGraphiQL;
}

function gatewayPlugins(state: GatewayState): YogaServerOptions<Record<string, never>, BallastContext>['plugins'] {
  const { config, telemetry } = state;
  const development = config.mode === 'development';
  const { security } = config;
  return [
    useHealth(state),
    useMetricsEndpoint(state),
    development && useDashboard(state, { faultControl: true }),
    useTelemetry(telemetry),
    useTracing(config.tracing),
    ...useRequestLimits(config),
    security.csrfPrevention && useCSRFPrevention({ requestHeaders: CSRF_HEADERS }),
    !(security.introspection ?? development) && useDisableIntrospection(),
    // Before trusted documents: it resolves a known APQ hash to its text first (docs/clients.md).
    ...useAutomaticPersistedQueries(config),
    ...useTrustedDocuments(config),
    ...useIdentity(config),
    ...useRateLimit(config, () => telemetry.metrics.requestShed('rate_limited')),
    useDeferStream(),
    useStreamArguments(),
    useDegradationReport(),
    useRequestLifecycle(),
    config.cacheControl.enabled && useCacheControl(config),
    useGraphQlJit({}, { enableIf: (args) => !usesIncrementalDelivery(args.document) }),
    useJitErrorCompatibility(),
  ];
}

interface Running {
  state: GatewayState;
  server: Server;
  opsServer: Server | undefined;
  admission: Admission;
  client: UpstreamClient;
}

/** Listening, draining and releasing what a gateway holds (pools, breakers, timers, tracing). */
function lifecycle({ state, server, opsServer, admission, client }: Running): Pick<Gateway, 'listen' | 'close' | 'release'> {
  const { config, sources } = state;
  return {
    // The public listener first: a cluster primary announces the first address a worker listens on.
    listen: async (port = config.port, host = config.host) => {
      await sources.sharedStore?.firstAttempt;
      const url = await listen(server, port, host, config.server.listenBacklog);
      if (opsServer && !opsServer.listening) await listen(opsServer, config.ops.port!, config.ops.host, config.server.listenBacklog);
      return url;
    },
    close: async ({ drainDelayMs = 0, graceMs = 10_000 } = {}) => {
      state.draining = true;
      if (drainDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, drainDelayMs));
      await stopServer(server, graceMs);
      if (opsServer) await stopServer(opsServer, graceMs);
      admission.stop();
      await sources.shutdown();
      await client.close();
      await activeTracing()?.flush();
    },
    // Everything close() stops but the server, which the next gateway serves on: a released gateway leaves no timer running.
    release: async () => {
      admission.stop();
      await sources.shutdown();
      await client.close();
    },
  };
}

/**
 * Yoga's default CORS reflects any origin *with* credentials. Ballast allows credentials only for
 * the configured origins; without any, production is same-origin only and development allows any
 * origin without credentials (GraphiQL elsewhere, local frontends).
 * With a list, the decision is made per request: Yoga's own answer to an unlisted origin of a
 * two-origin list is `Access-Control-Allow-Origin: null` with credentials, which a sandboxed
 * iframe (whose Origin is "null") satisfies. An unlisted origin, "null" included, gets no CORS
 * headers at all (docs/security.md).
 */
function corsPolicy(config: BallastConfig): CORSOptions | ((request: Request) => CORSOptions) {
  const origins = config.security.corsOrigins;
  const common = { methods: ['GET', 'POST'], exposedHeaders: ['x-request-id'], maxAge: 600 };
  if (origins.length) {
    // For a listed origin Yoga's own answer is right (that origin, and `Vary: Origin` with two or more).
    const listed = { ...common, origin: [...origins], credentials: true };
    return (request) => (origins.includes(request.headers.get('origin') ?? '') ? listed : false);
  }
  return config.mode === 'development' ? { ...common, origin: '*', credentials: false } : false;
}

const incremental = new WeakMap<DocumentNode, boolean>();

/** graphql-jit compiles plain queries; @defer and @stream stay with the reference executor. Cached per parsed document. */
function usesIncrementalDelivery(document: DocumentNode): boolean {
  let found = incremental.get(document);
  if (found === undefined) {
    found = false;
    visit(document, {
      Directive(node) {
        if (node.name.value === 'defer' || node.name.value === 'stream') found = true;
      },
    });
    incremental.set(document, found);
  }
  return found;
}

async function listen(server: Server, port: number, host: string, backlog: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.address === '0.0.0.0' || address.address === '::' ? 'localhost' : address.address;
  return `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${address.port}`;
}

async function stopServer(server: Server, graceMs: number): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const force = setTimeout(() => server.closeAllConnections(), graceMs);
  force.unref();
  await closed;
  clearTimeout(force);
}
