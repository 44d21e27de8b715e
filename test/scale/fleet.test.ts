import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startDemoServices } from '../../src/demo/index.js';
import type { DemoServices } from '../../src/demo/index.js';
import { SOURCES } from '../../src/sources/registry.js';

/**
 * Operating a fleet, with real processes: workers of one host answer alike, SIGHUP reloads a
 * single process without dropping a request, and a rolling update behind a load balancer that
 * follows /ready drops none either (docs/deployment.md).
 */

interface Started {
  url: string;
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  kill(): void;
}

const running: Started[] = [];
afterEach(() => {
  for (const started of running.splice(0)) started.kill();
});

/** `node --import tsx src/main.ts` in its own process group, stdout and stderr kept line by line. */
async function startBallast(args: string[], env: Record<string, string> = {}): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', BALLAST_LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Ballast did not start:\n${stdout.join('\n')}\n${stderr.join('\n')}`)), 120_000);
    child.once('exit', (code) => reject(new Error(`Ballast exited with ${code}:\n${stderr.join('\n')}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      stdout.push(line);
      const match = /listening on (http:\/\/\S+)\/graphql/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
  });
  const started: Started = {
    url,
    child,
    stdout,
    stderr,
    kill() {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
  running.push(started);
  return started;
}

interface Answer {
  status: number;
  text: string;
}

/** One HTTP exchange; `agent: false` gives it a connection of its own. */
function send(baseUrl: string, path: string, options: { body?: string; method?: string; agent?: Agent | false; contentType?: string } = {}): Promise<Answer> {
  const url = new URL(path, baseUrl);
  const body = options.body;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: options.method ?? (body ? 'POST' : 'GET'),
        agent: options.agent ?? false,
        headers: body ? { 'content-type': options.contentType ?? 'application/json', 'content-length': Buffer.byteLength(body) } : {},
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('no answer in 10 s')));
    req.on('error', reject);
    req.end(body);
  });
}

const PRICE = JSON.stringify({ query: '{ product(id: "p-0001") { id price { amount } } }' });

interface GraphQLBody {
  data?: { product: { id: string; price: { amount: number } | null } } | null;
  errors?: unknown[];
  extensions?: { degraded?: Array<{ source: string; reason: string; fallback: string; paths: unknown[]; staleAgeMs?: number }> };
}

function setFault(baseUrl: string, source: string, fault: Record<string, unknown>): Promise<Answer> {
  return send(baseUrl, `/dashboard/faults/${source}`, { method: 'PUT', body: JSON.stringify(fault) });
}

/** A GraphQL request and then /health on the same fresh connection: which worker answered it. */
async function askWorker(baseUrl: string, body: string): Promise<{ pid: number; status: number; body: GraphQLBody }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const answer = await send(baseUrl, '/graphql', { body, agent });
    const health = await send(baseUrl, '/health', { agent });
    return { pid: (JSON.parse(health.text) as { pid: number }).pid, status: answer.status, body: JSON.parse(answer.text) as GraphQLBody };
  } finally {
    agent.destroy();
  }
}

describe('two workers of one host answer alike', () => {
  it('serves the STALE price one worker saw from every worker, and the same failure samples on every request', async () => {
    const ballast = await startBallast(['--workers', '2'], {
      // One attempt and no breaker: every failed request is one sample and one UPSTREAM_UNAVAILABLE.
      BALLAST__sources__pricing__retry__maxAttempts: '1',
      BALLAST__sources__pricing__breaker__enabled: 'false',
    });
    const warm = await askWorker(ballast.url, PRICE);
    expect(warm.status).toBe(200);
    expect(warm.body.extensions?.degraded).toBeUndefined();
    const price = warm.body.data!.product.price!.amount;
    expect(price).toBeGreaterThan(0);
    // The warming worker's write reaches the primary's copy (product and price of p-0001).
    await expect
      .poll(async () => (JSON.parse((await send(ballast.url, '/dashboard/status.json')).text) as { hostStaleEntries?: number }).hostStaleEntries, { timeout: 5_000 })
      .toBe(2);
    expect((await setFault(ballast.url, 'pricing', { errorRate: 1 })).status).toBe(200);

    const answers = [];
    for (let i = 0; i < 20; i++) answers.push(await askWorker(ballast.url, PRICE));
    expect(new Set(answers.map((answer) => answer.pid)).size).toBe(2);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body.data).toEqual({ product: { id: 'p-0001', price: { amount: price } } });
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.extensions?.degraded).toEqual([
        { source: 'pricing', reason: 'UPSTREAM_UNAVAILABLE', fallback: 'STALE', paths: [['product', 'price']], staleAgeMs: expect.any(Number) },
      ]);
    }

    // Every worker's samples, merged by the primary: one per failed request, whichever worker asks.
    const lists = [];
    for (let i = 0; i < 6; i++) lists.push((await send(ballast.url, '/dashboard/samples.json?source=pricing')).text);
    expect(new Set(lists).size).toBe(1);
    const samples = (JSON.parse(lists[0]!) as { samples: Array<{ source: string; request: string; reason: string; status: number }> }).samples;
    expect(samples).toHaveLength(20);
    for (const sample of samples) {
      expect(sample).toMatchObject({ source: 'pricing', request: 'GET /prices?ids=p-0001&currency=USD', reason: 'UPSTREAM_UNAVAILABLE', status: 500 });
    }
    // Breakers stay per worker, and the dashboard lists each one.
    const status = JSON.parse((await send(ballast.url, '/dashboard/status.json')).text) as { workers: number; sources: Array<{ name: string; breakers: Array<{ pid: number; state: string }> }> };
    expect(status.workers).toBe(2);
    const pricing = status.sources.find((source) => source.name === 'pricing')!;
    expect(pricing.breakers.map((breaker) => breaker.state)).toEqual(['DISABLED', 'DISABLED']);
    expect(new Set(pricing.breakers.map((breaker) => breaker.pid))).toEqual(new Set(answers.map((answer) => answer.pid)));
  }, 180_000);
});
