import type { Plugin } from 'graphql-yoga';
import type { SourceName } from '../config-schema.js';
import { ALL_SOURCE_NAMES } from '../declared/names.js';
import { faultSchema } from '../faults/contract.js';
import { pluginRoutePath } from '../front-door/route-path.js';
import type { GatewayState } from '../gateway-state.js';
import { sampleToFault } from '../observability/failure-samples.js';
import type { FailureSample } from '../observability/failure-samples.js';
import { localStatus } from './status.js';
import type { StatusState } from './status.js';
import { DASHBOARD_HTML } from './page.js';
import { json, text } from '../plugins/respond.js';

export interface DashboardOptions {
  /** Fault buttons: only with embedded demo services. @default true in development */
  faultControl: boolean;
}

/** What the dashboard reads: this process's status, its failure samples, the demo services, the fleet. */
export type DashboardState = StatusState & Pick<GatewayState, 'fleet'>;

/**
 * `/dashboard`: a self-contained page (no asset from any other host) polling
 * `/dashboard/status.json`; `/dashboard/samples.json` and `/dashboard/samples/<source>/scenario.json`
 * serve failure samples; `PUT|DELETE /dashboard/faults/<source>` drives the demo services.
 */
export function useDashboard(state: DashboardState, options: DashboardOptions): Plugin {
  const faultControl = options.faultControl && state.demo !== undefined;
  return {
    async onRequest({ request, url, serverContext, endResponse }) {
      // The path as the listeners judge it (src/front-door/route-path.ts): the ops port lets no dashboard path through.
      const pathname = pluginRoutePath(request, serverContext);
      if (!pathname.startsWith('/dashboard')) return;
      const response = await route(state, faultControl, request, pathname, url.searchParams);
      if (response) endResponse(response);
    },
  };
}

async function route(state: DashboardState, faultControl: boolean, request: Request, pathname: string, query: URLSearchParams): Promise<Response | undefined> {
  if (request.method === 'GET') {
    if (pathname === '/dashboard' || pathname === '/dashboard/') return text(DASHBOARD_HTML, 'text/html; charset=utf-8');
    if (pathname === '/dashboard/status.json') return json(state.fleet ? await state.fleet.status() : await localStatus(state, faultControl));
    if (pathname === '/dashboard/samples.json') return json({ samples: await samples(state, query.get('source') ?? undefined) });
    const scenario = /^\/dashboard\/samples\/([a-z][a-z0-9-]*)\/scenario\.json$/.exec(pathname);
    if (scenario && isSource(scenario[1]!)) return json({ source: scenario[1], faults: (await samples(state, scenario[1])).map(sampleToFault) });
  }
  const fault = /^\/dashboard\/faults\/([a-z][a-z0-9-]*)$/.exec(pathname);
  if (fault) return faultRoute(state, faultControl, request, fault[1]!);
  return undefined;
}

async function faultRoute(state: DashboardState, faultControl: boolean, request: Request, source: string): Promise<Response> {
  const demo = state.demo;
  if (!faultControl || !demo) return json({ error: 'fault control is only available with embedded demo services in development mode' }, 403);
  if (!isSource(source) || !demo.sources.includes(source)) return json({ error: `no demo service named ${source}` }, 404);
  if (request.method === 'DELETE') {
    await demo.clearFault(source);
    return json({ source, fault: {} });
  }
  if (request.method !== 'PUT') return json({ error: 'use PUT with a JSON fault, or DELETE' }, 405);
  // JSON only: a cross-site form cannot send it without a CORS preflight, which Ballast does not grant.
  if (!request.headers.get('content-type')?.includes('application/json')) return json({ error: 'content-type must be application/json' }, 415);
  const body = await boundedText(request, MAX_FAULT_BODY_BYTES);
  if (body === undefined) return json({ error: `a fault body is at most ${MAX_FAULT_BODY_BYTES} bytes` }, 413, { connection: 'close' });
  const parsed = faultSchema.safeParse(parseJson(body));
  if (!parsed.success) return json({ error: parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ') }, 400);
  await demo.setFault(source, parsed.data);
  return json({ source, fault: parsed.data });
}

/**
 * A fault is a few hundred bytes. The dashboard reads its body itself, before the request limits
 * of Yoga (which cover POST /graphql), and development mode listens on 0.0.0.0: read at most this.
 */
const MAX_FAULT_BODY_BYTES = 64 * 1024;

/** The body as text, or undefined once it is (or announces it will be) over `maxBytes`: what was read is all that is kept. */
async function boundedText(request: Request, maxBytes: number): Promise<string | undefined> {
  if (Number(request.headers.get('content-length') ?? 0) > maxBytes) return undefined;
  const reader = request.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Every worker's samples in a cluster, so each request shows the same ones; else this process's. */
function samples(state: DashboardState, source: string | undefined): Promise<FailureSample[]> | FailureSample[] {
  return state.fleet ? state.fleet.samples(source) : state.telemetry.samples.list(source);
}

function isSource(name: string): name is SourceName {
  return ALL_SOURCE_NAMES.includes(name);
}
