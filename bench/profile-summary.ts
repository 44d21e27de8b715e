/**
 * `npx tsx bench/profile-summary.ts FILE.cpuprofile [--top=30]`: the hottest functions and files
 * of a V8 CPU profile (node --cpu-prof), after `--skip` seconds, by self time and by inclusive time, as shares of the
 * non-idle samples. Inclusive time counts a function once per sample even when it recurses.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, ...rest] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary FILE.cpuprofile [--top=N]');
const top = Number(rest.find((arg) => arg.startsWith('--top='))?.slice(6) ?? 30);
/** `--skip=S`: leave out the first S seconds (start-up: module compilation, cursor walk, warm-up). */
const skipArg = Number(rest.find((arg) => arg.startsWith('--skip='))?.slice(7) ?? 0) * 1_000_000;
/** `--last=S`: only the last S seconds (the measured load). */
const lastMicros = Number(rest.find((arg) => arg.startsWith('--last='))?.slice(7) ?? 0) * 1_000_000;
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

const totalMicros = profile.timeDeltas.reduce((sum, delta) => sum + delta, 0);
const skipMicros = lastMicros > 0 ? totalMicros - lastMicros : skipArg;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

const shortUrl = (url: string): string => url.replace(/^file:\/\//, '').replace(/^.*node_modules\//, 'nm:').replace(/^.*\/(src|dist|bench)\//, '$1/');
const functionKey = (node: ProfileNode): string => `${node.callFrame.functionName || '(anonymous)'} ${shortUrl(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
const fileKey = (node: ProfileNode): string => shortUrl(node.callFrame.url) || `(${node.callFrame.functionName})`;
const IDLE = new Set(['(idle)', '(program)', '(root)']);

const self = new Map<string, number>();
const inclusive = new Map<string, number>();
const selfFile = new Map<string, number>();
let busy = 0;
const add = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
let elapsed = 0;
for (const [index, sample] of profile.samples.entries()) {
  elapsed += profile.timeDeltas[index] ?? 0;
  if (elapsed < skipMicros) continue;
  const leaf = byId.get(sample)!;
  if (IDLE.has(leaf.callFrame.functionName)) continue;
  busy++;
  add(self, functionKey(leaf));
  add(selfFile, fileKey(leaf));
  const seen = new Set<string>();
  for (let id: number | undefined = sample; id !== undefined; id = parent.get(id)) {
    const key = functionKey(byId.get(id)!);
    if (!seen.has(key)) add(inclusive, key);
    seen.add(key);
  }
}

const print = (title: string, map: Map<string, number>): void => {
  console.log(`\n${title} (of ${busy} non-idle samples)`);
  for (const [key, count] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${((count / busy) * 100).toFixed(1).padStart(5)}%  ${key}`);
};
print('self time by function', self);
print('self time by file', selfFile);
print('inclusive time by function', inclusive);
