import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, resolveConfig } from '../src/config.js';

function configFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ballast-config-'));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('configuration', () => {
  it('starts from code defaults', () => {
    const config = resolveConfig();
    expect(config.deadlineMs).toBe(2000);
    expect(config.sources.inventory).toMatchObject({ timeoutMs: 1000, retry: { maxAttempts: 3 }, breaker: { enabled: true } });
  });

  it('layers a YAML file, then the environment, key by key', () => {
    const path = configFile('ballast.yaml', 'deadlineMs: 1500\nsources:\n  pricing:\n    timeoutMs: 700\n    retry: { maxAttempts: 2 }\n');
    const config = loadConfig({ BALLAST_CONFIG: path, BALLAST__sources__pricing__retry__maxAttempts: '1', PRICING_URL: 'http://pricing.internal:8080' });
    expect(config.deadlineMs).toBe(1500);
    expect(config.sources.pricing).toMatchObject({ timeoutMs: 700, url: 'http://pricing.internal:8080', retry: { maxAttempts: 1, baseDelayMs: 25 } });
    expect(config.sources.catalog.timeoutMs).toBe(1000);
  });

  it('reads JSON files', () => {
    const path = configFile('ballast.json', JSON.stringify({ sources: { cart: { maxBatchSize: 10 } } }));
    expect(loadConfig({}, path).sources.cart.maxBatchSize).toBe(10);
  });

  it.each([
    ['a negative timeout', { sources: { inventory: { timeoutMs: -5 } } }, 'config: sources.inventory.timeoutMs = -5: Too small: expected number to be >0'],
    ['an unknown source', { sources: { reviewz: { timeoutMs: 5 } } }, 'config: unknown key sources.reviewz (known sources: catalog, inventory, pricing, cart, favorites, reviews, shipping)'],
    ['a deadline past what a Node timer holds', { deadlineMs: 2_147_483_648 }, 'config: deadlineMs = 2147483648: Too big: expected number to be <=2147483647'],
    ['a wrong type', { deadlineMs: '2s' }, 'config: deadlineMs = "2s": Invalid input: expected number, received string'],
    ['an unknown key', { sources: { pricing: { retries: 3 } } }, 'config: unknown key sources.pricing.retries'],
    ['a bad URL in the file', { sources: { cart: { url: 'cart.internal' } } }, 'config: sources.cart.url = "cart.internal": must be an absolute http:// or https:// URL'],
    ['a bad field timeout key', { fieldTimeouts: { price: 100 } }, 'config: fieldTimeouts has a bad key "price": keys look like Type.field'],
  ])('refuses %s with a message naming key and value', (_name, overrides, message) => {
    expect(() => resolveConfig(overrides)).toThrow(new ConfigError(message));
  });

  it('refuses unreadable and unparsable files by name', () => {
    expect(() => loadConfig({}, '/nonexistent/ballast.yaml')).toThrow('config file /nonexistent/ballast.yaml: cannot read it (ENOENT)');
    const broken = configFile('broken.json', '{ "deadlineMs": ');
    expect(() => loadConfig({}, broken)).toThrow(/^config file .*broken\.json: not valid JSON/);
  });

  it('refuses a non-numeric PORT naming the variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow('PORT=eighty is not a number');
  });
});
