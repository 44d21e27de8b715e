// node --max-semi-space-size=64 bench/micro/weakmap-entries.mjs: three per-request WeakMap entries left to the GC, deleted at the response, or none (plain properties); CPU ns per request.
/* global process, console */
const maps = [new WeakMap(), new WeakMap(), new WeakMap()];
let live = [];
function run(mode, n) {
  const t = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const request = { id: i, payload: new Array(40).fill(i), headers: { a: String(i) }, slot: undefined };
    if (mode === 'none') request.slot = [{ startedAt: i, extra: [i, i] }, { startedAt: i, extra: [i, i] }, { startedAt: i, extra: [i, i] }];
    else for (const m of maps) m.set(request, { startedAt: i, extra: [i, i] });
    live.push(request);
    if (live.length > 50) { const done = live.shift(); if (mode === 'delete') for (const m of maps) m.delete(done); }
  }
  const u = process.cpuUsage(t); return (u.user + u.system) * 1000 / n;
}
const r = { keep: [], delete: [], none: [] };
for (let k = 0; k < 12; k++) for (const m of Object.keys(r)) r[m].push(run(m, 300000));
const med = (v) => [...v].sort((x, y) => x - y)[v.length >> 1];
console.log(Object.entries(r).map(([m, v]) => `${m} ${med(v).toFixed(0)} ns`).join(', '));
