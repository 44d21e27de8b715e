import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServices } from '../../src/demo/index.js';
import type { DemoServices } from '../../src/demo/index.js';
import { SOURCES } from '../../src/sources/registry.js';
import { postQuery, startHarness } from '../helpers/harness.js';
import { startBallastProcess } from '../helpers/process.js';
import type { BallastProcess } from '../helpers/process.js';

/**
 * GraphiQL's page is a 9 MB module; loaded at start-up it cost every process about 40 MiB of RSS
 * even with GraphiQL off, and ioredis 6–9 MiB without Redis (bench/README.md, "Sixth session:
 * memory"). GraphiQL's is loaded only where GraphiQL is on: a production process never loads it,
 * a development one still serves the page from its first request on (loading it pauses the event
 * loop before admission control times it).
 */
const GRAPHIQL_MODULE = '@graphql-yoga/render-graphiql';
/** ioredis, likewise, only where Redis is configured (test/scale/redis-stale.test.ts uses it). */
const REDIS_MODULE = 'ioredis';
const REGISTER_MODULE_LOG = path.resolve('test/fixtures/module-log/register.mjs');

describe('a production process', () => {
  let demo: DemoServices;
  let ballast: BallastProcess;
  let logDir: string;

  beforeAll(async () => {
    demo = await startDemoServices();
    logDir = mkdtempSync(path.join(tmpdir(), 'ballast-modules-'));
    const env: Record<string, string> = { BALLAST_MODE: 'production', MODULE_LOG: path.join(logDir, 'modules.log') };
    for (const source of SOURCES) env[source.urlVariable] = demo.urls[source.name]!;
    env.SHIPPING_URL = demo.urls.shipping!;
    const command = [process.execPath, '--import', 'tsx', '--import', REGISTER_MODULE_LOG, 'src/main.ts'];
    ballast = await startBallastProcess({ command, args: ['--workers', '1'], env });
  }, 60_000);
  afterAll(async () => {
    ballast?.kill();
    await demo?.close();
    rmSync(logDir, { recursive: true, force: true });
  });

  it('answers a query and a browser asking for GraphiQL without ever loading its page module or ioredis', async () => {
    const answer = await postQuery(ballast.url, '{ product(id: "p-0001") { id } }');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ data: { product: { id: 'p-0001' } } });
    // GraphiQL is off in production: the page is refused before anything renders it.
    const page = await fetch(`${ballast.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(406);

    const loaded = readFileSync(path.join(logDir, 'modules.log'), 'utf8').split('\n');
    // The log works: Yoga itself was resolved through it.
    expect(loaded.some((url) => url.includes('/node_modules/graphql-yoga/'))).toBe(true);
    expect(loaded.filter((url) => url.includes(GRAPHIQL_MODULE))).toEqual([]);
    expect(loaded.filter((url) => url.includes(REDIS_MODULE))).toEqual([]);
  });
});

describe('a development gateway', () => {
  it('still serves the GraphiQL page, with its title and default query', async () => {
    const harness = await startHarness({ mode: 'development' });
    try {
      const page = await fetch(`${harness.url}/graphql`, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html');
      const html = await page.text();
      expect(html).toContain('<title>Ballast</title>');
      expect(html).toContain('query Products');
      // Right after the first page, the next one is not shed as overloaded either.
      expect(await (await fetch(`${harness.url}/graphql`, { headers: { accept: 'text/html' } })).text()).toBe(html);
      // The gateway keeps answering queries.
      expect((await harness.query('{ product(id: "p-0001") { id } }')).body).toEqual({ data: { product: { id: 'p-0001' } } });
    } finally {
      await harness.close();
    }
  });
});
