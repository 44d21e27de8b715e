import { ALL_SOURCE_NAMES } from '../../src/declared/names.js';
import type { DemoSourceName as SourceName } from '../../src/demo/routes.js';
import { resolveConfig } from '../../src/config.js';
import type { ConfigOverrides } from '../../src/config.js';
import { inProcessDemoControl } from '../../src/demo/control.js';
import { startDemoServices } from '../../src/demo/index.js';
import type { DemoService, DemoServices } from '../../src/demo/index.js';
import { createLogger } from '../../src/observability/logger.js';
import { createGateway } from '../../src/server.js';
import { mutationSteadyLayer } from './mutation-steady.js';
import type { Gateway, GatewayOptions } from '../../src/server.js';

export interface GraphQLResponse {
  status: number;
  headers: Headers;
  body: {
    data?: Record<string, unknown> | null;
    errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
    extensions?: { degraded?: DegradedEntry[] } & Record<string, unknown>;
  };
}

export interface DegradedEntry {
  source: string;
  reason: string;
  fallback: 'STALE' | 'DEFAULT' | 'NULL';
  paths: Array<Array<string | number>>;
  staleAgeMs?: number;
}

export interface Harness {
  url: string;
  gateway: Gateway;
  demo: DemoServices;
  service(name: SourceName): DemoService;
  /** POSTs a query to the real server over loopback HTTP. */
  query(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse>;
  /** Clears faults and request logs of every demo service. */
  reset(): void;
  close(): Promise<void>;
}

/** Real demo upstreams on loopback port 0 and a real Ballast in front of them. */
export async function startHarness(overrides: ConfigOverrides = {}, options: GatewayOptions = {}): Promise<Harness> {
  const demo = await startDemoServices();
  const sources = Object.fromEntries(ALL_SOURCE_NAMES.map((name) => [name, { url: demo.urls[name as SourceName] }]));
  const config = resolveConfig({ port: 0, host: '127.0.0.1', logLevel: 'silent', sources }, mutationSteadyLayer(), overrides);
  const gateway = createGateway(config, { logger: createLogger('silent'), processMetrics: false, demo: inProcessDemoControl(demo), ...options });
  const url = await gateway.listen();
  return {
    url,
    gateway,
    demo,
    service: (name) => demo.service(name),
    query: (query, variables, headers) => postQuery(url, query, variables, headers),
    reset() {
      for (const service of Object.values(demo.services)) {
        service.clearFault();
        service.resetLog();
      }
    },
    async close() {
      await gateway.close({ graceMs: 1000 });
      await demo.close();
    },
  };
}

export async function postQuery(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResponse['body'] };
}

/** The request paths a demo service saw, e.g. `/prices?ids=…`. */
export function requestedUrls(service: DemoService): string[] {
  return service.requests.map((request) => request.url);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
