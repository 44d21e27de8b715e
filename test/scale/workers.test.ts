import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBallastProcess } from '../helpers/process.js';
import type { BallastProcess } from '../helpers/process.js';

/** `--workers 2` for real: the S1 query answered by both workers, /metrics summing them, a clean drain. */
let primary: BallastProcess;
let baseUrl: string;

beforeAll(async () => {
  primary = await startBallastProcess({ args: ['--workers', '2'] });
  expect(primary.banner.find((line) => line.includes('listening on'))).toMatch(/2 workers/);
  baseUrl = primary.url;
}, 40_000);
afterAll(() => primary?.kill());

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
    // Each worker runs with the tuned young generation (src/cluster/node-flags.ts).
    for (const pid of pids) expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toContain('--max-semi-space-size=64');
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
    primary.process.kill('SIGHUP');
    const failures: number[] = [];
    // A bound on the wait, not a speed claim: each new worker builds a gateway, slow on a busy 2-core machine.
    const deadline = Date.now() + 60_000;
    let after = new Set<number>();
    while (Date.now() < deadline) {
      const { status } = await send('/graphql', S1);
      if (status !== 200) failures.push(status);
      after = await pidsOf();
      if ([...after].every((pid) => !before.has(pid)) && after.size === 2) break;
    }
    // Two workers answer, both new: a restart that left one worker (or kept an old one) fails here.
    expect(after.size).toBe(2);
    expect([...after].some((pid) => before.has(pid))).toBe(false);
    expect(failures).toEqual([]);
  }, 90_000);

  it('drains and exits cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => primary.process.once('exit', (code) => resolve(code)));
    primary.process.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
