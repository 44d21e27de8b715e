// node bench/micro/pipeline-promises.mjs ROOT[,ROOT...]: promises and timers created per upstream call by each built
// checkout's resilience pipeline (metrics attached, a stand-in client answering at once), counted by an async hook:
// the async layers of one call, exactly, where CPU timings on a shared host only show a few percent.
/* global process, console, URL */
import path from 'node:path';
import { createHook } from 'node:async_hooks';
import { pathToFileURL } from 'node:url';

const created = new Map();
createHook({ init(_id, type) { created.set(type, (created.get(type) ?? 0) + 1); } }).enable();
const load = (root, file) => import(pathToFileURL(path.resolve(root, 'dist', file)).href);

for (const root of (process.argv[2] ?? '.').split(',')) {
  const [{ ResiliencePipeline }, { Deadline }, { BallastMetrics }, { DEFAULT_SOURCE_POLICY }] = await Promise.all(
    ['src/resilience/pipeline.js', 'src/resilience/deadline.js', 'src/observability/metrics.js', 'src/resilience/policy.js'].map((file) => load(root, file)),
  );
  const answer = { status: 200, body: { items: [] } };
  const observers = [];
  const pipeline = new ResiliencePipeline('pricing', new URL('http://127.0.0.1:1'), { ...DEFAULT_SOURCE_POLICY, url: 'http://127.0.0.1:1' }, { limitConnections() {}, request: () => Promise.resolve(answer) }, observers);
  observers.push(new BallastMetrics({ pricing: pipeline }, { defaultMetrics: false }));
  const spec = { method: 'GET', path: '/prices?ids=p-0001', idempotent: true, parse: (response) => response.body };
  const scope = { deadline: new Deadline(5_000), headers: () => ({}), onFinish: () => () => {}, ids: { requestId: 'bench' } };
  const calls = 1_000;
  for (let i = 0; i < 100; i++) await pipeline.call(spec, scope); // warm-up, and any lazy set-up
  created.clear();
  for (let i = 0; i < calls; i++) await pipeline.call(spec, scope);
  const per = (type) => ((created.get(type) ?? 0) / calls).toFixed(2);
  console.log(`${root}: per call ${per('PROMISE')} promises, ${per('Timeout')} timers`);
  pipeline.shutdown();
}
