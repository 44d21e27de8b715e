/**
 * `npx tsx bench/heap-sampling-summary.ts FILE.heapprofile [--requests=N] [--top=25] [--stack=8]`:
 * sums a V8 sampling heap profile (bench/servers/heap-sampler.ts) by allocation site (the frame
 * that allocated), by the innermost frame of the project's own code on the stack (what in Ballast
 * or the bench server asked for it) and prints the heaviest stacks, with KiB per request when the
 * request count is given. Sizes are V8's estimates from the samples, not exact bytes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

type CallFrame = { functionName: string; url: string; lineNumber: number; columnNumber: number };
type ProfileNode = { callFrame: CallFrame; selfSize: number; children: ProfileNode[] };

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => args.find((entry) => entry.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const file = args.find((entry) => !entry.startsWith('--'));
if (!file) throw new Error('usage: heap-sampling-summary.ts FILE.heapprofile [--requests=N]');
const requests = Number(arg('requests', '0'));
const top = Number(arg('top', '25'));
const stackDepth = Number(arg('stack', '8'));
const KIB = 1024;

/** `name file:line`, the file shortened to what follows node_modules/ or the checkout. */
function site(frame: CallFrame): string {
  const url = frame.url.replace(/^file:\/\//, '');
  const short = url.includes('node_modules/') ? url.slice(url.lastIndexOf('node_modules/') + 'node_modules/'.length) : path.relative(process.cwd(), url) || url;
  return `${frame.functionName || '(anonymous)'} ${short || '(native)'}:${frame.lineNumber + 1}`;
}

/** The project's own code: compiled src/ or bench/, not a dependency nor Node itself. */
const isOwnCode = (frame: CallFrame): boolean => /\/(src|bench)\//.test(frame.url) && !frame.url.includes('node_modules/');

const bySite = new Map<string, number>();
const byOwnFrame = new Map<string, number>();
const byStack = new Map<string, number>();
let total = 0;

function walk(node: ProfileNode, stack: CallFrame[]): void {
  const frames = [...stack, node.callFrame];
  if (node.selfSize > 0) {
    total += node.selfSize;
    const add = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + node.selfSize);
    add(bySite, site(node.callFrame));
    const own = frames.findLast(isOwnCode);
    add(byOwnFrame, own ? site(own) : '(no project frame)');
    add(byStack, frames.slice(-stackDepth).map(site).reverse().join('\n      <- '));
  }
  for (const child of node.children) walk(child, frames);
}

const profile = JSON.parse(readFileSync(file, 'utf8')) as { head: ProfileNode };
walk(profile.head, []);

const amount = (bytes: number): string => `${(bytes / KIB).toFixed(0).padStart(7)} KiB ${((bytes / total) * 100).toFixed(1).padStart(5)}%${requests ? ` ${(bytes / requests / KIB).toFixed(2).padStart(6)} KiB/req` : ''}`;
function print(title: string, map: Map<string, number>, limit: number): void {
  console.log(`\n${title}`);
  for (const [key, bytes] of [...map].sort((a, b) => b[1] - a[1]).slice(0, limit)) console.log(`${amount(bytes)}  ${key}`);
}

console.log(`${file}: ${(total / KIB).toFixed(0)} KiB survived a scavenge${requests ? `, ${(total / requests / KIB).toFixed(1)} KiB per request over ${requests} requests` : ''}`);
print('By allocation site:', bySite, top);
print('By innermost project frame:', byOwnFrame, top);
print('Heaviest stacks:', byStack, Math.ceil(top / 2));
