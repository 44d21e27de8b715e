import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { postQuery } from '../helpers/harness.js';

/**
 * Declarations are read by a real Ballast process from BALLAST_SCHEMA_DIR: a bad one refuses the
 * start with one line and exit code 2; a SIGHUP picks up a changed one and refuses a bad one while
 * the old schema keeps serving (docs/adding-a-data-source.md).
 */

const SHIPPING_SDL = readFileSync('schema/shipping.graphql', 'utf8');
const DECLARATION = `@rest(source: "shipping", path: "/estimates", batchKey: "productIds", keyField: "productId")`;

/** A copy of schema/ with shipping.graphql replaced by `shipping`. */
function schemaDirWith(shipping: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ballast-sdl-'));
  cpSync('schema', dir, { recursive: true });
  writeFileSync(join(dir, 'shipping.graphql'), shipping);
  return dir;
}

interface Run {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  exited: Promise<number | null>;
}

const running: Run[] = [];
afterEach(() => {
  for (const run of running.splice(0)) {
    try {
      process.kill(-run.child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

function runBallast(schemaDir: string): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', BALLAST_LOG_LEVEL: 'silent', BALLAST_WORKERS: '1', BALLAST_SCHEMA_DIR: schemaDir },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const run: Run = { child, stdout: [], stderr: [], exited: new Promise((resolve) => child.once('exit', resolve)) };
  createInterface({ input: child.stdout! }).on('line', (line) => run.stdout.push(line));
  createInterface({ input: child.stderr! }).on('line', (line) => run.stderr.push(line));
  running.push(run);
  return run;
}

const BAD: Array<[string, string, RegExp]> = [
  ['an unknown source (a typo)', SHIPPING_SDL.replace('source: "shipping", path: "/estimates"', 'source: "shiping", path: "/estimates"'), /^ballast: no URL for shiping and no demo service to stand in: set SHIPING_URL$/],
  ['a batch without keyField', SHIPPING_SDL.replace(', keyField: "productId")', ')'), /^ballast: schema: Product\.shipping @rest: batchKey needs keyField \(the item field that matches each item back to its key\)$/],
  [
    'a path parameter that is not an argument',
    SHIPPING_SDL.replace('path: "/options/{id}"', 'path: "/options/{id}/{zone}"'),
    /^ballast: schema: Product\.shippingOptions @rest: path parameter \{zone\} is neither an argument of the field nor its key \(from: "id"\)$/,
  ],
  ['a default of the wrong type', SHIPPING_SDL.replace('\\"days\\":7', '\\"days\\":\\"soon\\"'), /^ballast: schema: Product\.shippingOptions @fallback: default does not match the field's type \(0\.days: .*number.*\)$/],
];

describe('a bad declaration at start', () => {
  it.each(BAD)('%s: one line naming it, exit code 2', async (_name, sdl, line) => {
    expect(sdl).not.toBe(SHIPPING_SDL);
    const run = runBallast(schemaDirWith(sdl));
    expect(await run.exited).toBe(2);
    expect(run.stderr).toHaveLength(1);
    expect(run.stderr[0]).toMatch(line);
  }, 60_000);
});

const EXPRESS = `{ product(id: "p-0001") { id express { days costCents } } }`;

describe('SIGHUP with a changed declaration', () => {
  it('serves a new declared field after the reload, then refuses a bad one and keeps serving', async () => {
    const dir = schemaDirWith(SHIPPING_SDL);
    const run = runBallast(dir);
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const match = run.stdout.map((text) => /listening on (http:\/\/\S+)\/graphql/.exec(text)).find(Boolean);
        if (match) {
          clearInterval(timer);
          resolve(match[1]!);
        }
      }, 50);
      void run.exited.then((code) => {
        clearInterval(timer);
        reject(new Error(`exited ${code}: ${run.stderr.join('\n')}`));
      });
    });
    // Warm: the first shipping call of a cold process compiles its paths.
    expect((await postQuery(url, `{ product(id: "p-0001") { shipping { days } } }`)).body).toEqual({ data: { product: { shipping: { days: 3 } } } });
    const before = await postQuery(url, EXPRESS);
    expect(before.status).toBe(400);
    expect(before.body.errors?.[0]?.message).toBe('Cannot query field "express" on type "Product".');

    writeFileSync(join(dir, 'shipping.graphql'), `${SHIPPING_SDL}\nextend type Product {\n  "Express estimate."\n  express: ShippingEstimate ${DECLARATION}\n}\n`);
    const during = Array.from({ length: 20 }, () => postQuery(url, `{ product(id: "p-0001") { shipping { days } } }`));
    run.child.kill('SIGHUP');
    for (const response of await Promise.all(during)) expect(response.body).toEqual({ data: { product: { shipping: { days: 3 } } } });
    await expect.poll(async () => (await postQuery(url, EXPRESS)).body, { timeout: 20_000 }).toEqual({ data: { product: { id: 'p-0001', express: { days: 3, costCents: 399 } } } });

    writeFileSync(join(dir, 'shipping.graphql'), SHIPPING_SDL.replace('path: "/options/{id}"', 'path: "/options/{zone}"'));
    run.child.kill('SIGHUP');
    await expect.poll(() => run.stdout.filter((text) => text.includes('reload refused')).length, { timeout: 20_000 }).toBe(1);
    expect(run.stdout.find((text) => text.includes('reload refused'))).toContain('reload refused, keeping the running config: schema: Product.shippingOptions @rest: path parameter {zone} is neither an argument of the field nor its key (from: \\"id\\")');
    expect((await postQuery(url, EXPRESS)).body).toEqual({ data: { product: { id: 'p-0001', express: { days: 3, costCents: 399 } } } });
  }, 120_000);
});
