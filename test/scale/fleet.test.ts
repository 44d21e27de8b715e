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

/** `loops` concurrent request loops, `perLoop` requests each; `during` runs once `trigger` requests have answered. */
async function steadyLoad(run: () => Promise<Answer>, options: { loops: number; perLoop: number; trigger: number; during: () => void }) {
  const failures: string[] = [];
  const answers: Answer[] = [];
  let done = 0;
  const loop = async (): Promise<void> => {
    for (let i = 0; i < options.perLoop; i++) {
      try {
        const answer = await run();
        answers.push(answer);
        const body = JSON.parse(answer.text) as GraphQLBody;
        if (answer.status !== 200 || body.errors || !body.data) failures.push(`${answer.status} ${answer.text.slice(0, 200)}`);
      } catch (error) {
        failures.push((error as Error).message);
      }
      if (++done === options.trigger) options.during();
    }
  };
  await Promise.all(Array.from({ length: options.loops }, loop));
  return { failures, answers };
}

describe('SIGHUP on a single-worker process', () => {
  it('swaps in a changed config under load without a failed request, and keeps it when the next one is invalid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ballast-reload-'));
    const configPath = join(dir, 'ballast.json');
    // One attempt and no breaker: a late price is always UPSTREAM_TIMEOUT, never CIRCUIT_OPEN.
    const pricing = { retry: { maxAttempts: 1 }, breaker: { enabled: false } };
    writeFileSync(configPath, JSON.stringify({ sources: { pricing } }));
    const ballast = await startBallast(['--config', configPath], { BALLAST_WORKERS: '1' });
    const pid = (JSON.parse((await send(ballast.url, '/health')).text) as { pid: number }).pid;
    const warm = JSON.parse((await send(ballast.url, '/graphql', { body: PRICE })).text) as GraphQLBody;
    const price = warm.data!.product.price!.amount;
    // Pricing answers in ~60 ms: in time for the first config, too late for the second's 20 ms field timeout.
    expect((await setFault(ballast.url, 'pricing', { latencyMs: 60 })).status).toBe(200);
    const before = JSON.parse((await send(ballast.url, '/graphql', { body: PRICE })).text) as GraphQLBody;
    expect(before).toEqual({ data: { product: { id: 'p-0001', price: { amount: price } } } });

    writeFileSync(configPath, JSON.stringify({ sources: { pricing }, fieldTimeouts: { 'Product.price': 20 } }));
    const reload = await steadyLoad(() => send(ballast.url, '/graphql', { body: PRICE }), {
      loops: 10,
      perLoop: 30,
      trigger: 100,
      during: () => ballast.child.kill('SIGHUP'),
    });
    expect(reload.failures).toEqual([]);
    expect(reload.answers).toHaveLength(300);
    // Log lines are JSON (the development banner aside); exactly one says the reload happened.
    const messages = (): Array<{ level: number; msg: string }> =>
      ballast.stdout.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(messages().filter((line) => line.msg.startsWith('reloaded:'))).toEqual([expect.objectContaining({ level: 30, deadlineMs: 2000 })]);
    const after = JSON.parse((await send(ballast.url, '/graphql', { body: PRICE })).text) as GraphQLBody;
    // The stale value the first config's gateway saw survives the swap.
    expect(after.data).toEqual({ product: { id: 'p-0001', price: { amount: price } } });
    expect(after.extensions?.degraded).toEqual([
      { source: 'pricing', reason: 'UPSTREAM_TIMEOUT', fallback: 'STALE', paths: [['product', 'price']], staleAgeMs: expect.any(Number) },
    ]);

    writeFileSync(configPath, JSON.stringify({ deadlineMs: -5 }));
    const refused = await steadyLoad(() => send(ballast.url, '/graphql', { body: PRICE }), {
      loops: 5,
      perLoop: 20,
      trigger: 30,
      during: () => ballast.child.kill('SIGHUP'),
    });
    expect(refused.failures).toEqual([]);
    await expect.poll(() => messages().filter((line) => line.msg.startsWith('reload refused')).length, { timeout: 10_000 }).toBe(1);
    const refusal = messages().find((line) => line.msg.startsWith('reload refused'))!;
    expect(refusal.level).toBe(50);
    expect(refusal.msg).toMatch(/^reload refused, keeping the running config: config: deadlineMs = -5: /);
    expect(ballast.stderr).toEqual([]);
    // Still the second config, in the same process.
    const kept = JSON.parse((await send(ballast.url, '/graphql', { body: PRICE })).text) as GraphQLBody;
    expect(kept.extensions?.degraded?.[0]).toMatchObject({ reason: 'UPSTREAM_TIMEOUT', fallback: 'STALE' });
    expect((JSON.parse((await send(ballast.url, '/health')).text) as { pid: number }).pid).toBe(pid);
  }, 180_000);
});

interface Backend {
  url: string;
  ready: boolean;
  served: number;
}

/**
 * A load balancer as the platform runs one: round-robin over the backends whose /ready answered
 * 200 at the last check (every 100 ms); no retries, so a request sent to a backend that drops it fails.
 */
async function startBalancer(backends: Backend[]): Promise<{ url: string; close(): Promise<void> }> {
  let next = 0;
  const check = setInterval(() => {
    for (const backend of backends) {
      send(backend.url, '/ready').then(
        (answer) => (backend.ready = answer.status === 200),
        () => (backend.ready = false),
      );
    }
  }, 100);
  const server: Server = createServer((incoming: IncomingMessage, outgoing: ServerResponse) => {
    const ready = backends.filter((backend) => backend.ready);
    if (!ready.length) return void outgoing.writeHead(503).end('no ready backend');
    const backend = ready[next++ % ready.length]!;
    backend.served += 1;
    const target = new URL(incoming.url ?? '/', backend.url);
    const forward = request({ host: target.hostname, port: target.port, path: target.pathname, method: incoming.method, headers: incoming.headers, agent: false }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    forward.on('error', (error) => outgoing.writeHead(502).end(`backend failed: ${error.message}`));
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      clearInterval(check);
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('a rolling update behind a load balancer that follows /ready', () => {
  let demo: DemoServices | undefined;
  afterAll(() => demo?.close());

  it('replaces one of two replicas under load without a failed request', async () => {
    demo = await startDemoServices();
    const urls = Object.fromEntries(SOURCES.map((source) => [source.urlVariable, demo!.urls[source.name]!]));
    const env = { ...urls, BALLAST_WORKERS: '1', BALLAST_DRAIN_DELAY_MS: '600' };
    const [first, second] = await Promise.all([startBallast([], env), startBallast([], env)]);
    const backends: Backend[] = [first!, second!].map((started) => ({ url: started.url, ready: false, served: 0 }));
    const balancer = await startBalancer(backends);
    await expect.poll(() => backends.every((backend) => backend.ready), { timeout: 5_000 }).toBe(true);

    let replaced: Started | undefined;
    const update = async (): Promise<void> => {
      const exited = new Promise((resolve) => first!.child.once('exit', resolve));
      first!.child.kill('SIGTERM');
      await exited;
      replaced = await startBallast([], { ...env, BALLAST_DEADLINE_MS: '1500' });
      backends.push({ url: replaced.url, ready: false, served: 0 });
    };
    let updating: Promise<void> | undefined;
    let stop = false;
    const failures: string[] = [];
    let sent = 0;
    const loop = async (): Promise<void> => {
      // Bounded: until the new replica has taken 30 requests, at most 3000 requests per loop.
      for (let i = 0; i < 3000 && !stop; i++) {
        sent += 1;
        try {
          const answer = await send(balancer.url, '/graphql', { body: PRICE });
          const body = JSON.parse(answer.text) as GraphQLBody;
          if (answer.status !== 200 || body.errors || body.data?.product.id !== 'p-0001') failures.push(`${answer.status} ${answer.text.slice(0, 200)}`);
        } catch (error) {
          failures.push((error as Error).message);
        }
        if (sent === 50) updating = update();
        if ((backends[2]?.served ?? 0) >= 30) stop = true;
      }
    };
    await Promise.all(Array.from({ length: 4 }, loop));
    await updating;
    await balancer.close();
    expect(failures).toEqual([]);
    expect(first!.child.exitCode).toBe(0);
    expect(backends[0]!.served).toBeGreaterThan(0);
    expect(backends[2]!.served).toBeGreaterThanOrEqual(30);
    expect(backends[1]!.served).toBeGreaterThan(backends[0]!.served);
  }, 240_000);
});
