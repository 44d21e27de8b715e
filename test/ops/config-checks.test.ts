import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, resolveConfig } from '../../src/config.js';
import { redactUrl } from '../../src/redact.js';
import { createBallastSchema } from '../../src/schema.js';
import { checkStartup } from '../../src/startup-checks.js';

/** Generous: every run compiles the sources with tsx, on a machine other test runs share. */
const RUN_TIMEOUT_MS = 90_000;
const dir = mkdtempSync(join(tmpdir(), 'ballast-checks-'));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node src/main.ts ARGS` as its own process, until it exits (killed after RUN_TIMEOUT_MS). */
function runBallast(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', BALLAST_LOG_LEVEL: 'silent', BALLAST_MODE: 'development', BALLAST_DEMO: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
  return new Promise((resolve) => child.once('close', (code) => {
    clearTimeout(timer);
    resolve({ code, stdout, stderr });
  }));
}

/** The one stderr line of a refused start, and that it is the only output. */
function onlyLine(run: Run): string {
  expect(run.stdout).toBe('');
  const lines = run.stderr.split('\n').filter(Boolean);
  expect(lines, run.stderr).toHaveLength(1);
  return lines[0]!;
}

let blocker: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
  blocker = undefined;
});

const slow = { timeout: 2 * RUN_TIMEOUT_MS };

describe('check-config runs the start-up checks', () => {
  it('refuses a fieldTimeouts coordinate the schema does not have (exit 2, one line)', slow, async () => {
    const run = await runBallast(['check-config', file('typo.yaml', 'fieldTimeouts:\n  Product.nope: 300\n')]);
    expect(run.code).toBe(2);
    expect(onlyLine(run)).toBe('ballast: config: fieldTimeouts."Product.nope": type Product has no field nope');
  });

  it('refuses an attempt timeout longer than the total timeout', slow, async () => {
    const run = await runBallast(['check-config', file('attempt.yaml', 'sources:\n  pricing:\n    timeoutMs: 500\n    attemptTimeoutMs: 900\n')]);
    expect(run.code).toBe(2);
    expect(onlyLine(run)).toBe('ballast: config: sources.pricing.attemptTimeoutMs = 900: longer than sources.pricing.timeoutMs (500); an attempt cannot outlast the whole call');
  });

  it('refuses a production config without upstream URLs, as start-up does, in one JSON line', slow, async () => {
    const path = file('prod.yaml', 'mode: production\nsources:\n  catalog:\n    url: http://catalog.internal\n');
    const run = await runBallast(['check-config', path], { BALLAST_MODE: '', BALLAST_DEMO: '' });
    expect(run.code).toBe(2);
    const line = JSON.parse(onlyLine(run)) as Record<string, unknown>;
    expect(line).toMatchObject({
      level: 60,
      pid: expect.any(Number),
      exitCode: 2,
      msg: 'ballast: production mode needs real upstreams: set INVENTORY_URL, PRICING_URL, CART_URL, FAVORITES_URL, REVIEWS_URL, SHIPPING_URL (or BALLAST_DEMO=1 to run the demo services anyway)',
    });
  });

  it('hides the credentials of a source URL and still says OK', slow, async () => {
    const run = await runBallast(['check-config'], { CATALOG_URL: 'http://svc:s3cret@catalog.internal:8080' });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('catalog (critical): http://svc:***@catalog.internal:8080\n');
    expect(run.stdout).not.toContain('s3cret');
  });

  it('refuses __proto__ in a YAML config file', slow, async () => {
    const run = await runBallast(['check-config', file('proto.yaml', 'sources:\n  __proto__:\n    polluted: true\n')]);
    expect(run.code).toBe(2);
    expect(onlyLine(run)).toBe(`ballast: config file ${dir}/proto.yaml: key "__proto__" (at sources.__proto__) is not allowed`);
  });
});

describe('start-up failures end in one line and exit code 2', () => {
  it('port in use', slow, async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    const run = await runBallast(['--workers', '1'], { PORT: String(port) });
    expect(run.code).toBe(2);
    expect(onlyLine(run)).toBe(`ballast: cannot listen on 127.0.0.1:${port}: the port is in use (EADDRINUSE)`);
  });

  it('port in use with --workers 2: the worker says it once, the primary stops instead of forking forever', slow, async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    const run = await runBallast(['--workers', '2'], { PORT: String(port), BALLAST_MODE: 'production' , ...realUpstreams() });
    expect(run.code).toBe(2);
    const lines = run.stderr.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThanOrEqual(2);
    for (const line of lines) expect(line).toMatchObject({ level: 60, exitCode: 2, msg: `ballast: cannot listen on 127.0.0.1:${port}: the port is in use (EADDRINUSE)`, worker: expect.any(Number) });
  });

  it('a HOST that is not an address of this machine', slow, async () => {
    const run = await runBallast(['--workers', '1'], { HOST: '203.0.113.7' });
    expect(run.code).toBe(2);
    expect(onlyLine(run)).toBe('ballast: cannot listen on 203.0.113.7:0: no such address on this machine (EADDRNOTAVAIL)');
  });

  it('an unreadable config file', slow, async () => {
    const run = await runBallast(['--config', join(dir, 'missing.yaml')]);
    expect(run.code).toBe(2);
    expect(onlyLine(run)).toBe(`ballast: config file ${dir}/missing.yaml: cannot read it (ENOENT)`);
  });
});

/** URLs nothing listens on: production starts without demo services, and never gets to call them. */
function realUpstreams(): Record<string, string> {
  const names = ['CATALOG', 'INVENTORY', 'PRICING', 'CART', 'FAVORITES', 'REVIEWS', 'SHIPPING'];
  return Object.fromEntries(names.map((name) => [`${name}_URL`, `http://127.0.0.1:9/${name.toLowerCase()}`]));
}

describe('the checks themselves (in process)', () => {
  const schema = createBallastSchema();
  const check = (overrides: Record<string, unknown>, env: NodeJS.ProcessEnv = { BALLAST_DEMO: '1' }): void => checkStartup(resolveConfig(overrides), env, schema);

  it('accepts real coordinates and names the missing type or field exactly', () => {
    expect(() => check({ fieldTimeouts: { 'Product.inventory': 300, 'Query.products': 900 } })).not.toThrow();
    expect(() => check({ fieldTimeouts: { 'Prodcut.price': 300 } })).toThrow(new ConfigError('config: fieldTimeouts."Prodcut.price": the schema has no object type Prodcut'));
    expect(() => check({ fieldTimeouts: { 'Product.nope': 300 } })).toThrow(new ConfigError('config: fieldTimeouts."Product.nope": type Product has no field nope'));
  });

  it('a lowered timeoutMs takes the attempt timeout down with it unless that was set too', () => {
    expect(resolveConfig({ sources: { inventory: { timeoutMs: 300 } } }).sources.inventory.attemptTimeoutMs).toBe(300);
    expect(resolveConfig({ sources: { inventory: { timeoutMs: 300, attemptTimeoutMs: 100 } } }).sources.inventory.attemptTimeoutMs).toBe(100);
    expect(resolveConfig({}).sources.inventory.attemptTimeoutMs).toBe(450);
    expect(() => resolveConfig({ sources: { cart: { timeoutMs: 300 } } }, { sources: { cart: { attemptTimeoutMs: 301 } } })).toThrow(
      new ConfigError('config: sources.cart.attemptTimeoutMs = 301: longer than sources.cart.timeoutMs (300); an attempt cannot outlast the whole call'),
    );
  });

  it('refuses __proto__, constructor and prototype keys from a JSON file or the environment, and pollutes nothing', () => {
    const json = file('proto.json', '{"security": {"maxDepth": 5, "__proto__": {"maxDepth": 1}}}');
    expect(() => loadConfig({}, json)).toThrow(new ConfigError(`config file ${json}: key "__proto__" (at security.__proto__) is not allowed`));
    const nested = file('constructor.json', '{"sources": {"pricing": {"retry": {"constructor": {"prototype": 1}}}}}');
    expect(() => loadConfig({}, nested)).toThrow(new ConfigError(`config file ${nested}: key "constructor" (at sources.pricing.retry.constructor) is not allowed`));
    expect(() => loadConfig({ BALLAST____proto____polluted: 'true' })).toThrow(new ConfigError('BALLAST____proto____polluted: not a key path (an empty key between "__" separators)'));
    expect(() => loadConfig({ BALLAST__constructor__polluted: 'true' })).toThrow(new ConfigError('BALLAST__constructor__polluted: key "constructor" is not allowed'));
    expect(() => loadConfig({ BALLAST__sources__prototype: '{}' })).toThrow(new ConfigError('BALLAST__sources__prototype: key "prototype" is not allowed'));
    expect(() => loadConfig({ BALLAST__security: '{"__proto__": {"maxDepth": 1}}' })).toThrow(new ConfigError('BALLAST__security: key "__proto__" (at __proto__) is not allowed'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).maxDepth).toBeUndefined();
  });

  it('hides URL credentials in config errors and wherever a URL is shown', () => {
    expect(() => loadConfig({ CATALOG_URL: 'ftp://svc:s3cret@catalog.internal' })).toThrow(new ConfigError('CATALOG_URL=ftp://svc:***@catalog.internal is not an absolute http:// or https:// URL'));
    expect(() => resolveConfig({ redis: { url: 'redis://:s3cret@cache internal' } })).toThrow(/^config: redis\.url = "redis:\/\/:\*\*\*@cache internal": /);
    expect(redactUrl('http://svc:p@ss@host:8080/base?q=a@b')).toBe('http://svc:***@host:8080/base?q=a@b');
    expect(redactUrl('https://token@host/')).toBe('https://***@host/');
    expect(redactUrl('http://host:8080/a@b')).toBe('http://host:8080/a@b');
  });
});
