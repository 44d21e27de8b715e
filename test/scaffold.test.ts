import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `npm run new-source` on a temporary copy of the repository: the scaffolded source must
 * type-check and pass its own generated test (a batched call and a breaker that opens).
 */
const root = resolve('.');
let copy: string;

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), 'ballast-scaffold-'));
  for (const entry of ['src', 'schema', 'scripts', 'test', 'bench', 'codegen.ts', 'package.json', 'tsconfig.json', 'vitest.config.ts', 'vitest.e2e.config.ts', 'eslint.config.js']) {
    cpSync(join(root, entry), join(copy, entry), { recursive: true });
  }
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'), 'dir');
});
afterAll(() => rmSync(copy, { recursive: true, force: true }));

const run = (command: string, args: string[]) => execFileSync(command, args, { cwd: copy, encoding: 'utf8', stdio: 'pipe', timeout: 120_000 });

describe('npm run new-source', () => {
  it('scaffolds a source that type-checks and answers through its pipeline', { timeout: 180_000 }, () => {
    const output = run(process.execPath, ['--import', 'tsx', 'scripts/new-source.ts', 'widgets']);
    expect(output).toContain('created src/sources/widgets.ts');
    expect(readFileSync(join(copy, 'src/sources/registry.ts'), 'utf8')).toContain("import { widgets } from './widgets.js';");
    expect(readFileSync(join(copy, 'src/generated/resolvers-types.ts'), 'utf8')).toContain('WidgetsResolvers');

    run(join(copy, 'node_modules/.bin/tsc'), ['--noEmit', '-p', '.']);
    const tests = run(join(copy, 'node_modules/.bin/vitest'), ['run', 'test/sources/widgets.test.ts']);
    expect(tests).toMatch(/2 passed/);
  });

  it('refuses a bad or taken name', () => {
    expect(() => run(process.execPath, ['--import', 'tsx', 'scripts/new-source.ts', 'Bad-Name'])).toThrow(/usage: npm run new-source/);
    expect(() => run(process.execPath, ['--import', 'tsx', 'scripts/new-source.ts', 'reviews'])).toThrow(/already exists/);
  });
});
