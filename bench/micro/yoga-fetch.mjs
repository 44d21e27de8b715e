// node [--max-semi-space-size=64] bench/micro/yoga-fetch.mjs OLD_ROOT,NEW_ROOT: { __typename } through each built checkout's yoga.fetch (Ballast as shipped, no HTTP), interleaved batches; CPU µs per request.
/* global process, console */
import path from 'node:path';
const roots = (process.argv[2] ?? '/work/wt/h6-base,/work/wt/h6').split(',');
const query = process.argv[3] ?? '{ __typename }';
const gateways = [];
for (const root of roots) {
  const load = (f) => import(path.resolve(root, 'dist/src', f));
  const [{ resolveConfig }, { createGateway }, { createLogger }] = await Promise.all([load('config.js'), load('server.js'), load('observability/logger.js')]);
  const { ALL_SOURCE_NAMES } = await load('declared/names.js');
  const config = resolveConfig({ port: 0, host: '127.0.0.1', mode: 'production', logLevel: 'warn' }, { sources: Object.fromEntries(ALL_SOURCE_NAMES.map((n) => [n, { url: 'http://127.0.0.1:9' }])) });
  gateways.push(createGateway(config, { logger: createLogger('warn'), processMetrics: false }));
}
const body = JSON.stringify({ query });
const expected = '{"data":{"__typename":"Query"}}';
async function batch(g, n) {
  const t = process.cpuUsage();
  for (let i = 0; i < n; i += 10) {
    await Promise.all(Array.from({ length: 10 }, async () => {
      const res = await g.yoga.fetch('http://127.0.0.1/graphql', { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(body.length) }, body });
      const text = await res.text();
      if (query === '{ __typename }' && text !== expected) throw new Error(text);
    }));
  }
  const u = process.cpuUsage(t); return (u.user + u.system) * 1000 / n;
}
for (const g of gateways) await batch(g, 3000);
const figs = gateways.map(() => []);
for (let r = 0; r < 30; r++) for (const i of (r % 2 ? [...gateways.keys()].reverse() : [...gateways.keys()])) figs[i].push(await batch(gateways[i], 1000));
const med = (v) => [...v].sort((x, y) => x - y)[v.length >> 1];
figs.forEach((f, i) => console.log(`${roots[i]}: median ${(med(f)/1000).toFixed(1)} µs/req (min ${(Math.min(...f)/1000).toFixed(1)}), paired ratio median ${med(f.map((v, k) => v / figs[0][k])).toFixed(3)}`));
for (const g of gateways) await g.release();
process.exit(0);
