// node bench/micro/plugin-variants.mjs ROOT: { __typename } through yoga.fetch with config-switchable plugins off one at a time, interleaved; CPU µs per request.
/* global process, console */
import path from 'node:path';
const root = process.argv[2] ?? '.';
const load = (f) => import(path.resolve(root, 'dist/src', f));
const [{ resolveConfig }, { createGateway }, { createLogger }, { ALL_SOURCE_NAMES }] = await Promise.all([load('config.js'), load('server.js'), load('observability/logger.js'), load('declared/names.js')]);
const sources = Object.fromEntries(ALL_SOURCE_NAMES.map((n) => [n, { url: 'http://127.0.0.1:9' }]));
const variants = {
  shipped: {},
  'apq off': { apq: { enabled: false } },
  'cacheControl off': { cacheControl: { enabled: false } },
  'csrf off': { security: { csrfPrevention: false } },
  'introspection on': { security: { introspection: true } },
};
const gateways = Object.entries(variants).map(([name, o]) => [name, createGateway(resolveConfig({ port: 0, host: '127.0.0.1', mode: 'production', logLevel: 'warn', ...o }, { sources }), { logger: createLogger('warn'), processMetrics: false })]);
const body = JSON.stringify({ query: '{ __typename }' });
async function batch(g, n) {
  const t = process.cpuUsage();
  for (let i = 0; i < n; i += 10) await Promise.all(Array.from({ length: 10 }, async () => {
    const res = await g.yoga.fetch('http://127.0.0.1/graphql', { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(body.length), 'x-ballast-csrf': '1' }, body });
    const text = await res.text(); if (text !== '{"data":{"__typename":"Query"}}') throw new Error(text);
  }));
  const u = process.cpuUsage(t); return (u.user + u.system) / n;
}
for (const [, g] of gateways) await batch(g, 3000);
const figs = gateways.map(() => []);
for (let r = 0; r < 24; r++) for (const i of (r % 2 ? [...gateways.keys()].reverse() : [...gateways.keys()])) figs[i].push(await batch(gateways[i][1], 600));
const med = (v) => [...v].sort((x, y) => x - y)[v.length >> 1];
figs.forEach((f, i) => console.log(`${gateways[i][0]}: median ${med(f).toFixed(1)} µs/req, paired ratio to shipped ${med(f.map((v, k) => v / figs[0][k])).toFixed(3)}`));
process.exit(0);
