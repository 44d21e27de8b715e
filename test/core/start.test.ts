import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_QUERY } from '../../src/graphiql.js';
import { startBallastProcess } from '../helpers/process.js';
import type { BallastProcess } from '../helpers/process.js';

/** The README's quick start, for real: `npm start` builds, starts the demo services and answers GraphiQL's default query. */
let started: BallastProcess | undefined;
afterAll(() => started?.kill());

describe('npm start', () => {
  it('serves the demo; the default query answers 20 products with price and inventory', { timeout: 120_000 }, async () => {
    started = await startBallastProcess({ command: ['npm', 'start', '--silent'], env: { BALLAST_LOG_LEVEL: 'warn' }, timeoutMs: 90_000 });
    const response = await fetch(`${started.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: DEFAULT_QUERY }) });
    const body = (await response.json()) as { data: { products: { nodes: Array<{ price: { amount: number }; inventory: { status: string } }> } }; errors?: unknown };
    expect(response.status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.products.nodes).toHaveLength(20);
    expect(body.data.products.nodes.every((node) => node.price.amount > 0 && node.inventory.status !== 'UNKNOWN')).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(started.banner.join('\n')).toMatch(/catalog\s+demo\s+http:\/\/127\.0\.0\.1:\d+/);
  });
});
