/**
 * The longest functions of a source tree, and its file map, for docs/architecture.md § Redesign:
 * before and after. `npx tsx scripts/longest-functions.ts [ROOT] [--top N] [--file-map]`
 * reads ROOT/src (default: this checkout), skipping src/generated/.
 *
 * Lines are a function's span, first to last line, nested functions included (an outer function
 * that holds closures is as long to read as the closures it holds).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import ts from 'typescript';

export interface FunctionLength {
  name: string;
  file: string;
  lines: number;
}

/** Every .ts file under `dir`, sorted, paths relative to `root`. */
export function sourceFiles(root: string, dir = 'src'): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return path === join('src', 'generated') ? [] : sourceFiles(root, path);
      return entry.name.endsWith('.ts') ? [path] : [];
    })
    .sort();
}

/** Every function-like node of one file with its span in lines. */
export function functionLengths(file: string, text: string): FunctionLength[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: FunctionLength[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      found.push({ name: nameOf(node, source), file, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** A declaration's own name; else the variable, property or call the function is assigned or passed to. */
function nameOf(node: ts.Node, source: ts.SourceFile): string {
  const own = (node as { name?: ts.Node }).name;
  if (own) return classPrefix(node) + own.getText(source);
  if (ts.isConstructorDeclaration(node)) return `${classPrefix(node)}constructor`;
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) return parent.name.getText(source);
  if (ts.isCallExpression(parent)) return `${parent.expression.getText(source).slice(0, 40)}(…) callback`;
  return '(anonymous)';
}

function classPrefix(node: ts.Node): string {
  const parent = node.parent;
  return ts.isClassLike(parent) && parent.name ? `${parent.name.text}.` : '';
}

export function longestFunctions(root: string, top: number): FunctionLength[] {
  return sourceFiles(root)
    .flatMap((file) => functionLengths(file, readFileSync(join(root, file), 'utf8')))
    .sort((a, b) => b.lines - a.lines || a.file.localeCompare(b.file) || a.name.localeCompare(b.name))
    .slice(0, top);
}

/** `find src -name '*.ts' | sort`, one line per folder: its file count and names. */
export function fileMap(root: string): string[] {
  const byFolder = new Map<string, string[]>();
  for (const file of sourceFiles(root)) {
    const folder = file.slice(0, file.lastIndexOf('/') + 1);
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), file.slice(folder.length)]);
  }
  return [...byFolder].sort(([a], [b]) => a.localeCompare(b)).map(([folder, files]) => `${folder} (${files.length}): ${files.join(', ')}`);
}

function main(): void {
  const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '15' }, 'file-map': { type: 'boolean', default: false } }, allowPositionals: true });
  const root = positionals[0] ?? '.';
  if (values['file-map']) {
    const files = sourceFiles(root);
    const lines = files.reduce((total, file) => total + readFileSync(join(root, file), 'utf8').split('\n').length, 0);
    process.stdout.write(`${files.length} files, ${lines} lines (src/generated/ not counted)\n\n${fileMap(root).join('\n')}\n`);
    return;
  }
  const rows = longestFunctions(root, Number(values.top)).map((fn, index) => `| ${index + 1} | \`${fn.name.replace(/\|/g, '\\|').replace(/\s+/g, ' ')}\` | \`${relative('.', fn.file)}\` | ${fn.lines} |`);
  process.stdout.write(['| # | function | file | lines |', '|---|---|---|---|', ...rows].join('\n') + '\n');
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) main();
