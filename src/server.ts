import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga } from 'graphql-yoga';
import type { YogaServerInstance } from 'graphql-yoga';
import type { BallastConfig, SourceName } from './config-schema.js';
import { SOURCE_NAMES } from './config-schema.js';
import { ConfigError } from './config.js';
import { createContext } from './context.js';
import type { BallastContext } from './context.js';
import { DEFAULT_QUERY } from './graphiql.js';
import { UpstreamClient } from './http/upstream-client.js';
import { useDegradationReport } from './plugins/use-degradation-report.js';
import type { PipelineObserver } from './resilience/pipeline.js';
import { createBallastSchema } from './schema.js';
import { createSources } from './sources/index.js';
import type { SourceRegistry } from './sources/index.js';

export interface GatewayOptions {
  /** Hooks into every upstream call (metrics, logs). */
  observer?: PipelineObserver;
}

export interface Gateway {
  yoga: YogaServerInstance<Record<string, never>, BallastContext>;
  server: Server;
  sources: SourceRegistry;
  client: UpstreamClient;
  /** Listens on `config.port` (0 = any free port) and resolves to the base URL. */
  listen(port?: number, host?: string): Promise<string>;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes pools and breakers. */
  close(graceMs?: number): Promise<void>;
}

/** Builds a Ballast: yoga with its plugins over a `node:http` server, one pipeline per source. */
export function createGateway(config: BallastConfig, options: GatewayOptions = {}): Gateway {
  const client = new UpstreamClient({ connectionsPerOrigin: Math.max(...SOURCE_NAMES.map((name) => config.sources[name].connections)) });
  const sources = createSources(config, sourceUrls(config), client, options.observer);
  const development = config.mode === 'development';
  const yoga = createYoga<Record<string, never>, BallastContext>({
    schema: createBallastSchema(),
    context: ({ request }) => createContext({ config, operations: sources.operations }, request),
    plugins: [useDegradationReport()],
    graphiql: development ? { title: 'Ballast', defaultQuery: DEFAULT_QUERY } : false,
    renderGraphiQL,
    landingPage: false,
    maskedErrors: { isDev: development },
    logging: development ? 'info' : 'warn',
  });
  const server = createServer(yoga);
  return {
    yoga,
    server,
    sources,
    client,
    listen: (port = config.port, host = config.host) => listen(server, port, host),
    close: (graceMs = 10_000) => close(server, graceMs, async () => {
      sources.shutdown();
      await client.close();
    }),
  };
}

function sourceUrls(config: BallastConfig): Record<SourceName, URL> {
  const missing = SOURCE_NAMES.filter((name) => !config.sources[name].url);
  if (missing.length) throw new ConfigError(`no URL for ${missing.join(', ')}: set ${missing.map((name) => `${name.toUpperCase()}_URL`).join(', ')}`);
  return Object.fromEntries(SOURCE_NAMES.map((name) => [name, new URL(config.sources[name].url!)])) as Record<SourceName, URL>;
}

async function listen(server: Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.address === '0.0.0.0' || address.address === '::' ? 'localhost' : address.address;
  return `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${address.port}`;
}

async function close(server: Server, graceMs: number, release: () => Promise<void>): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const force = setTimeout(() => server.closeAllConnections(), graceMs);
  force.unref();
  await closed;
  clearTimeout(force);
  await release();
}
