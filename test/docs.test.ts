import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DOC_PATH, renderExamples } from '../scripts/degradation-examples.js';
import { defaultConfig } from '../src/config-defaults.js';
import { loadConfig } from '../src/config.js';

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
});
