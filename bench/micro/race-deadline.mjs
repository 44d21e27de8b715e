// node bench/micro/race-deadline.mjs OLD_ROOT,NEW_ROOT: raceDeadline (src/plugins/use-answer-by-deadline.ts) of two built checkouts, interleaved; CPU ns per query.
/* global process, console, performance */
import path from 'node:path';
const [a, b] = await Promise.all([...(process.argv[2] ?? '.').split(',').slice(0, 2)].map((root) => import(path.resolve(root, "dist/src/plugins/use-answer-by-deadline.js"))));
const result = { data: { ok: true } };
async function batch(race, n) {
  const t = process.cpuUsage();
  for (let i = 0; i < n; i += 50) {
    const pending = [];
    for (let j = 0; j < 50; j++) pending.push(race(() => Promise.resolve(result), () => performance.now() + 1000, () => {}, () => {}, () => false));
    await Promise.all(pending);
  }
  const u = process.cpuUsage(t); return (u.user + u.system) * 1000 / n; // ns per call
}
const fa = [], fb = [];
for (let r = 0; r < 30; r++) { fa.push(await batch(a.raceDeadline, 20000)); fb.push(await batch(b.raceDeadline, 20000)); }
const med = (v) => [...v].sort((x, y) => x - y)[v.length >> 1];
console.log(`old ${med(fa).toFixed(0)} ns/query (min ${Math.min(...fa).toFixed(0)}), new ${med(fb).toFixed(0)} ns/query (min ${Math.min(...fb).toFixed(0)}), ratio of medians ${(med(fb)/med(fa)).toFixed(2)}`);
