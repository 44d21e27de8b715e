import { SOURCES } from '../sources/registry.js';
import { startDemoServices } from './index.js';

/** `npm run demo`: the six demo services on fixed ports (DEMO_PORT_BASE + 1 …), for pointing a Ballast at. */
const base = Number(process.env.DEMO_PORT_BASE ?? 4100);
const latency = { baseMs: Number(process.env.DEMO_LATENCY_MS ?? 5), jitterMs: Number(process.env.DEMO_JITTER_MS ?? 5) };
const ports = Object.fromEntries(SOURCES.map((source, index) => [source.name, base + index + 1]));
const demo = await startDemoServices({ ports, latency, host: process.env.DEMO_HOST ?? '127.0.0.1' });
for (const source of SOURCES) {
  if (demo.urls[source.name]) console.log(`${source.urlVariable}=${demo.urls[source.name]}`);
}
console.log('Faults: PUT <url>/__control/fault {"hang":true} · DELETE <url>/__control/fault · GET <url>/__control/requests');
const stop = (): void => void demo.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
