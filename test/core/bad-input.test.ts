import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness.close());

describe('bad input gets a precise answer and the server keeps serving', () => {
  it('answers an unknown product id with null and no error', async () => {
    const { status, body } = await harness.query(`{ product(id: "p-9999") { id name } }`);
    expect(status).toBe(200);
    expect(body).toEqual({ data: { product: null } });
  });

  it.each([0, -1, 101])('refuses first: %i naming the allowed range', async (first) => {
    const { body } = await harness.query(`query($n: Int) { products(first: $n) { nodes { id } } }`, { n: first });
    expect(body.errors?.[0]?.message).toBe(`first must be between 1 and 100, got ${first}`);
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it.each([
    ['a literal', '{ products(first: 3) { nodes @stream(initialCount: -5) { id } } }', undefined],
    ['a variable', 'query($n: Int) { products(first: 3) { nodes @stream(initialCount: $n) { id } } }', { n: -5 }],
    ["a variable's default", 'query($n: Int = -5) { products(first: 3) { nodes @stream(initialCount: $n) { id } } }', undefined],
    ['a fragment the operation spreads', 'query { products(first: 3) { ...Streamed } } fragment Streamed on ProductConnection { nodes @stream(initialCount: -5) { id } }', undefined],
  ])('refuses @stream with a negative initialCount from %s as the client\'s error', async (_from, query, variables) => {
    const { body } = await harness.query(query, variables);
    expect(body.errors).toEqual([{ message: '@stream initialCount must be 0 or more, got -5', extensions: { code: 'BAD_USER_INPUT' } }]);
    const good = await harness.query('{ products(first: 3) { nodes { id } } }');
    expect(good.body.data).toEqual({ products: { nodes: [{ id: 'p-0001' }, { id: 'p-0002' }, { id: 'p-0003' }] } });
  });

  it('judges only the operation executed: a negative initialCount in another one of the document does not refuse it', async () => {
    const document = 'query Other { products(first: 3) { nodes @stream(initialCount: -5) { id } } } query Wanted { products(first: 2) { nodes { id } } }';
    const response = await fetch(`${harness.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ query: document, operationName: 'Wanted' }) });
    expect(await response.json()).toEqual({ data: { products: { nodes: [{ id: 'p-0001' }, { id: 'p-0002' }] } } });
  });

  it('refuses a query that does not parse, then answers the next one', async () => {
    const bad = await harness.query(`{ products(first: 2) { nodes { id }`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors?.[0]?.message).toMatch(/Syntax Error/);
    const good = await harness.query(`{ product(id: "p-0001") { id } }`);
    expect(good.body.data).toEqual({ product: { id: 'p-0001' } });
  });

  it('refuses a malformed deadline header with a message naming it', async () => {
    const { status, body } = await harness.query(`{ product(id: "p-0001") { id } }`, undefined, { 'x-ballast-deadline-ms': 'soon' });
    expect(status).toBe(400);
    expect(body.errors?.[0]?.message).toContain('x-ballast-deadline-ms must be a positive whole number');
  });
});

describe('start-up refuses a bad upstream URL', () => {
  const start = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: { ...process.env, PORT: '0', ...env }, encoding: 'utf8', timeout: 20_000 });

  it.each([
    ['CATALOG_URL', 'ftp://catalog.internal'],
    ['PRICING_URL', 'not a url'],
    ['INVENTORY_URL', 'http://'],
  ])('%s=%s exits 2 with one line naming the variable and the value', (variable, value) => {
    const result = start({ [variable]: value });
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([`ballast: ${variable}=${value} is not an absolute http:// or https:// URL`]);
  });
});

describe('the command line', () => {
  const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], { encoding: 'utf8', timeout: 20_000 });

  it('--help names every URL variable and the check-config command', () => {
    const result = cli(['--help']);
    expect(result.status).toBe(0);
    for (const variable of ['CATALOG_URL', 'INVENTORY_URL', 'PRICING_URL', 'CART_URL', 'FAVORITES_URL', 'REVIEWS_URL']) expect(result.stdout).toContain(variable);
    expect(result.stdout).toContain('check-config [FILE]');
  });

  it('refuses to start production mode on demo data', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: { ...process.env, NODE_ENV: 'production', PORT: '0' }, encoding: 'utf8', timeout: 20_000 });
    expect(result.status).toBe(2);
    // Production writes its one start-up error line as JSON, like its logs (docs/configuration.md).
    const line = JSON.parse(result.stderr.trim()) as { msg: string; level: number };
    expect(line.level).toBe(60);
    expect(line.msg).toMatch(/^ballast: production mode needs real upstreams: set CATALOG_URL, INVENTORY_URL, .*REVIEWS_URL/);
  });

  it('refuses an unknown command or flag in one line', () => {
    expect(cli(['serve']).stderr.trim()).toBe('ballast: unknown command "serve"; see --help');
    expect(cli(['--prot', '1']).stderr.trim()).toMatch(/^ballast: Unknown option '--prot'/);
  });
});

