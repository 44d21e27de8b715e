import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_QUERY } from '../../src/graphiql.js';

/** The README's quick start, for real: `npm start` builds, starts the demo services and answers GraphiQL's default query. */
let child: ChildProcess | undefined;
afterAll(() => {
  // npm runs the gateway in a child of its own: end the whole process group, whatever is left of it.
  if (child?.pid) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

describe('npm start', () => {
  it('serves the demo; the default query answers 20 products with price and inventory', { timeout: 120_000 }, async () => {
    child = spawn('npm', ['start', '--silent'], { env: { ...process.env, PORT: '0', BALLAST_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
    const banner: string[] = [];
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner within 90 s:\n${banner.join('\n')}`)), 90_000);
      createInterface({ input: child!.stdout! }).on('line', (line) => {
        banner.push(line);
        const match = /listening on (http:\/\/\S+)\/graphql/.exec(line);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
    });
    const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: DEFAULT_QUERY }) });
    const body = (await response.json()) as { data: { products: { nodes: Array<{ price: { amount: number }; inventory: { status: string } }> } }; errors?: unknown };
    expect(response.status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.products.nodes).toHaveLength(20);
    expect(body.data.products.nodes.every((node) => node.price.amount > 0 && node.inventory.status !== 'UNKNOWN')).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(banner.join('\n')).toMatch(/catalog\s+demo\s+http:\/\/127\.0\.0\.1:\d+/);
  });
});
