import { startDemoServices } from '../../src/demo/index.js';
import { announceReady, stopOnSignal } from './ready.js';

/** The demo upstreams with a fixed 5 ms latency, in their own process. */
const demo = await startDemoServices({ latency: { baseMs: Number(process.env.BENCH_UPSTREAM_LATENCY_MS ?? 5), jitterMs: 0 } });
announceReady({ urls: demo.urls });
stopOnSignal(() => demo.close());
