import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DOC_PATH, renderExamples } from '../scripts/degradation-examples.js';
import { defaultConfig } from '../src/config-defaults.js';
import { loadConfig, SOURCE_NAMES } from '../src/config.js';
import { DECLARED_SOURCE_NAMES } from '../src/declared/names.js';
import { SOURCES } from '../src/sources/registry.js';
import { SDK_ENV_VARIABLES } from '../src/observability/tracing-sdk.js';

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

  describe('every environment variable, CLI flag and endpoint is documented, and nothing documented is made up', () => {
    const operatorDocs = readFileSync('docs/configuration.md', 'utf8') + readFileSync('docs/operations.md', 'utf8');
    const sourceFiles = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : []));
    const code = new Map(sourceFiles('src').map((path) => [path, readFileSync(path, 'utf8')]));
    const matches = (text: string, pattern: RegExp): string[] => [...text.matchAll(pattern)].map((match) => match[1]!);
    const backticked = (text: string, pattern: RegExp): string[] => matches(text, /`([^`\n]+)`/g).filter((token) => pattern.test(token));

    /** Read as `env.X` / `process.env.X` (not `BALLAST__key__path` ones: checked by their prefix below), named by a `*_VARIABLE` constant, or a source's URL variable. */
    const variablesInCode = new Set([
      ...[...code.values()].flatMap((text) => [...matches(text, /\benv\.([A-Z][A-Z0-9_]*[A-Z0-9])\b/g), ...matches(text, /_VARIABLE = '([A-Z][A-Z0-9_]+)'/g)]),
      ...SOURCES.map((source) => source.urlVariable),
      ...DECLARED_SOURCE_NAMES.map((name) => `${name.toUpperCase()}_URL`),
      // Read by the OpenTelemetry SDK itself, not by Ballast's code.
      ...SDK_ENV_VARIABLES,
    ]);

    it('environment variables', () => {
      expect(variablesInCode.size).toBeGreaterThan(15);
      for (const name of variablesInCode) expect(operatorDocs, name).toMatch(new RegExp(`\`${name}[\`=]`));
      // The prefix of key-path variables is read as a constant, not as env.X.
      expect(code.get('src/config.ts')).toContain(`const ENV_PREFIX = 'BALLAST__';`);
      expect(operatorDocs).toContain('`BALLAST__<key>__<key>…`');
      // Error codes look like variables: every code the docs name must be a string the code uses.
      const stringsInCode = new Set([...code.values()].flatMap((text) => matches(text, /'([A-Z][A-Z0-9]*_[A-Z0-9_]*[A-Z0-9])'/g)));
      // Named in the docs, read by something other than src/: Node itself, Yoga, the browser tests.
      const readElsewhere = new Set(['NODE_OPTIONS', 'GRAPHQL_PARSE_FAILED', 'CHROMIUM_PATH']);
      expect(readFileSync('test/helpers/browser.ts', 'utf8')).toContain('process.env.CHROMIUM_PATH');
      const documented = backticked(operatorDocs, /^[A-Z][A-Z0-9]*_[A-Z0-9_]*[A-Z0-9]$/).filter((name) => !stringsInCode.has(name) && !readElsewhere.has(name));
      for (const name of documented) expect(variablesInCode, `documented ${name}`).toContain(name);
    });

    it('CLI flags: parsed, in --help and in the docs, and nothing else', () => {
      const main = code.get('src/main.ts')!;
      const parsed = matches(main, /(\w+): \{ type: '(?:string|boolean)'/g).map((name) => `--${name}`);
      expect(parsed).toEqual(['--config', '--port', '--workers', '--help']);
      const help = /const HELP = `([\s\S]*?)`;/.exec(main)![1]!;
      const inHelp = new Set(matches(help, /(?:^|[\s[])(--[a-z-]+)/g));
      expect([...inHelp].sort()).toEqual([...parsed].sort());
      expect(help).toContain('check-config [FILE]');
      for (const flag of parsed) expect(operatorDocs, flag).toMatch(new RegExp(`\`${flag}( [A-Z]+)?\``));
      expect(operatorDocs).toContain('`check-config [FILE]`');
      const documented = new Set(backticked(operatorDocs, /^--[a-z-]+( [A-Z]+)?$/).map((token) => token.split(' ')[0]!));
      for (const flag of documented) expect(parsed, `documented ${flag}`).toContain(flag);
    });

    it('HTTP endpoints', () => {
      const routing = ['src/server.ts', ...[...code.keys()].filter((path) => (path.startsWith('src/plugins/') || path.startsWith('src/dashboard/')) && !path.endsWith('dashboard/page.ts'))];
      const served = new Set(['/graphql']);
      for (const path of routing) {
        const text = code.get(path)!;
        for (const literal of matches(text, /'(\/[a-z][\w/.-]*)'/g)) served.add(literal.replace(/\/$/, ''));
        // Routes matched by a regular expression: /^\/dashboard\/faults\/([a-z]…)$/ → /dashboard/faults/<source>
        for (const pattern of matches(text, /\/\^(\\\/[^$]+)\$\//g)) served.add(pattern.replace(/\([^)]*\)/g, '<source>').replace(/\\(.)/g, '$1'));
      }
      expect([...served].sort()).toEqual([
        '/dashboard',
        '/dashboard/faults/<source>',
        '/dashboard/samples.json',
        '/dashboard/samples/<source>/scenario.json',
        '/dashboard/status.json',
        '/graphql',
        '/health',
        '/internal/yoga-health',
        '/metrics',
        '/ready',
      ]);
      const operations = readFileSync('docs/operations.md', 'utf8');
      const table = operations.slice(operations.indexOf('| endpoint |'), operations.indexOf('## ', operations.indexOf('| endpoint |')));
      const documented = new Set(matches(table, /`(?:GET|POST|PUT|DELETE) (\/[^`\s[]*)/g).map((path) => path.replace(/\/$/, '')));
      expect([...documented].sort()).toEqual([...served].sort());
    });
  });
});
