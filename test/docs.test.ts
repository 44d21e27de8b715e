import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DOC_PATH, renderExamples } from '../scripts/degradation-examples.js';
import { defaultConfig } from '../src/config-defaults.js';
import { loadConfig, SOURCE_NAMES } from '../src/config.js';

describe('docs tell the truth', () => {
  it('docs/degradation.md shows the responses the code produces today', async () => {
    const doc = readFileSync(DOC_PATH, 'utf8');
    expect(doc).toContain(await renderExamples());
  });

  it('docs/configuration.md documents every option with its default', () => {
    const doc = readFileSync('docs/configuration.md', 'utf8');
    const config = defaultConfig();
    const { sources, fieldTimeouts, ...topLevel } = config;
    const flatten = (prefix: string, value: unknown): Array<[string, unknown]> =>
      value && typeof value === 'object' && !Array.isArray(value)
        ? Object.entries(value).flatMap(([key, inner]) => flatten(prefix ? `${prefix}.${key}` : key, inner))
        : [[prefix, value]];
    const rows: Array<[string, unknown]> = [...flatten('', topLevel), ['fieldTimeouts', fieldTimeouts], ...flatten('', sources.inventory)];
    for (const [key, value] of rows) expect(doc, key).toContain(`| \`${key}\` | ${JSON.stringify(value)}`);
  });

  it('the example config file in docs/configuration.md is valid', () => {
    const doc = readFileSync('docs/configuration.md', 'utf8');
    const yaml = /```yaml\n([\s\S]*?)```/.exec(doc)![1]!;
    const path = join(mkdtempSync(join(tmpdir(), 'ballast-doc-')), 'ballast.yaml');
    writeFileSync(path, yaml);
    expect(loadConfig({}, path).fieldTimeouts).toEqual({ 'Product.inventory': 300 });
  });

  it('npm run check-config prints every source of the example config, and names a bad key', () => {
    const doc = readFileSync('docs/configuration.md', 'utf8');
    const dir = mkdtempSync(join(tmpdir(), 'ballast-check-'));
    writeFileSync(join(dir, 'ballast.yaml'), /```yaml\n([\s\S]*?)```/.exec(doc)![1]!);
    const good = spawnSync('npm', ['run', '--silent', 'check-config', '--', join(dir, 'ballast.yaml')], { encoding: 'utf8' });
    expect(good.status).toBe(0);
    for (const source of SOURCE_NAMES) expect(good.stdout).toContain(`${source}`);
    expect(good.stdout).toContain('inventory: http://inventory.internal:8080');
    writeFileSync(join(dir, 'bad.yaml'), 'sources:\n  inventory:\n    timeoutMs: -4\n');
    const bad = spawnSync('npm', ['run', '--silent', 'check-config', '--', join(dir, 'bad.yaml')], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe('ballast: config: sources.inventory.timeoutMs = -4: Too small: expected number to be >0');
  });
});

