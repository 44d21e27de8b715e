// `npm start`'s prestart: compiles src/ to dist/ only when dist is missing or older than a source,
// so a fresh clone still works with `npm ci && npm start` and every later start is fast.
// Plain JavaScript without dependencies: it must run before anything is compiled.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import process from 'node:process';

const OUTPUT = 'dist/src/main.js';
const INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];

/** Newest modification time under `path` (a file or a folder, recursively), in ms. */
function newest(path) {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return Math.max(stats.mtimeMs, ...readdirSync(path).map((entry) => newest(join(path, entry))));
}

const built = existsSync(OUTPUT) ? statSync(OUTPUT).mtimeMs : -1;
const changed = Math.max(...INPUTS.filter((path) => existsSync(path)).map(newest));
if (built < changed) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
