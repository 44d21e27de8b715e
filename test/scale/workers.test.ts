import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** `--workers 2` for real: the S1 query answered by both workers, /metrics summing them, a clean drain. */
let primary: ChildProcess;
let baseUrl: string;

beforeAll(async () => {
  primary = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--workers', '2'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', BALLAST_LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('cluster did not start')), 30_000);
    createInterface({ input: primary.stdout! }).on('line', (line) => {
      const match = /listening on (http:\/\/\S+)\/graphql .*2 workers/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
  });
}, 40_000);
afterAll(() => {
  if (primary.exitCode === null && primary.signalCode === null) primary.kill('SIGKILL');
});

/** One request on its own connection, so the cluster may hand it to any worker. */
function send(path: string, body?: string): Promise<{ status: number; text: string }> {
  const url = new URL(path, baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, method: body ? 'POST' : 'GET', agent: false, headers: body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {} },
      (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const S1 = JSON.stringify({ query: '{ products(first: 20) { nodes { id name price { amount } inventory { available status } } } }' });

describe('--workers 2', () => {
  it('answers the S1 query from both workers', async () => {
    // The banner comes with the first worker; give the second a moment to listen too.
    const pids = new Set<number>();
    for (let i = 0; i < 100 && pids.size < 2; i++) {
      pids.add((JSON.parse((await send('/health')).text) as { pid: number }).pid);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(pids.size).toBe(2);
    for (let i = 0; i < 20; i++) {
      const { status, text } = await send('/graphql', S1);
      expect(status).toBe(200);
      expect((JSON.parse(text) as { data: { products: { nodes: unknown[] } } }).data.products.nodes).toHaveLength(20);
    }
  });

  it("shows both workers' counts summed in /metrics and the dashboard status", async () => {
    const metrics = (await send('/metrics')).text;
    expect(/^ballast_graphql_requests_total\{operation="anonymous",result="ok"\} (\d+)/m.exec(metrics)?.[1]).toBe('20');
    expect(/^ballast_upstream_requests_total\{source="catalog",outcome="success"\} (\d+)/m.exec(metrics)?.[1]).toBe('20');
    const status = JSON.parse((await send('/dashboard/status.json')).text) as { workers: number; sources: Array<{ name: string }> };
    expect(status.workers).toBe(2);
    expect(status.sources.map((source) => source.name)).toContain('inventory');
  });

  it('restarts its workers one at a time on SIGHUP, answering throughout', async () => {
    const pidsOf = async (): Promise<Set<number>> => {
      const pids = new Set<number>();
      for (let i = 0; i < 40 && pids.size < 2; i++) pids.add((JSON.parse((await send('/health')).text) as { pid: number }).pid);
      return pids;
    };
    const before = await pidsOf();
    primary.kill('SIGHUP');
    const failures: number[] = [];
    const deadline = Date.now() + 15_000;
    let after = new Set<number>();
    while (Date.now() < deadline) {
      const { status } = await send('/graphql', S1);
      if (status !== 200) failures.push(status);
      after = await pidsOf();
      if ([...after].every((pid) => !before.has(pid)) && after.size === 2) break;
    }
    expect([...after].some((pid) => before.has(pid))).toBe(false);
    expect(failures).toEqual([]);
  });

  it('drains and exits cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => primary.once('exit', (code) => resolve(code)));
    primary.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
