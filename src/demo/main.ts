import { SOURCES } from '../sources/registry.js';
import { startDemoServices } from './index.js';
import { DECLARED_DEMO_NAMES } from './routes.js';

/**
 * `npm run demo`: the six coded sources' demo services, then the declared ones' (shipping), on
 * fixed ports (DEMO_PORT_BASE + 1 …), for pointing a Ballast at: each prints its `<NAME>_URL`.
 */
const base = Number(process.env.DEMO_PORT_BASE ?? 4100);
const latency = { baseMs: Number(process.env.DEMO_LATENCY_MS ?? 5), jitterMs: Number(process.env.DEMO_JITTER_MS ?? 5) };
// A declared source's URL variable is its name upper-cased (docs/adding-a-data-source.md).
const urlVariables = [...SOURCES.map((source) => [source.name, source.urlVariable] as const), ...DECLARED_DEMO_NAMES.map((name) => [name, `${name.toUpperCase()}_URL`] as const)];
const ports = Object.fromEntries(urlVariables.map(([name], index) => [name, base + index + 1]));
const demo = await startDemoServices({ ports, latency, host: process.env.DEMO_HOST ?? '127.0.0.1' });
for (const [name, variable] of urlVariables) {
  if (demo.urls[name]) console.log(`${variable}=${demo.urls[name]}`);
}
console.log('Faults: PUT <url>/__control/fault {"hang":true} · DELETE <url>/__control/fault · GET <url>/__control/requests');
const stop = (): void => void demo.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
