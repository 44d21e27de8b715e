import { Session } from 'node:inspector';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/**
 * A finished request's context must die young. Plugins kept per-request records in WeakMaps keyed
 * by the request whose values reached the context, and so the key: V8's scavenges keep such a
 * value alive (only a full GC sees through the cycle), so every request's context, loaders and
 * upstream values were promoted to the old generation, ~30 KiB a request (bench/README.md,
 * "Sixth session: what is promoted"). V8's sampling heap profiler, told to forget what a
 * scavenge collects, shows what outlives two forced scavenges after the requests are done.
 */
const PAGE_QUERY = '{ products(first: 10) { edges { node { id name price { amount currency } } } } }';
const REQUESTS = 50;

type ProfileNode = { callFrame: { functionName: string; url: string }; selfSize: number; children: ProfileNode[] };

function post(session: Session, method: string, params?: object): Promise<unknown> {
  return new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
}

// `gc` without starting vitest with --expose-gc; fetched once, as each new vm context allocates.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as (options: { type: 'minor' }) => void;
const minorGc = (): void => gc({ type: 'minor' });

/** Bytes still alive that were allocated under Ballast's `createContext` (the context, its loads, collector, closures). */
function contextBytes(node: ProfileNode, underContext = false): number {
  // Node's pool of random UUIDs (the request id) is refilled in place and lives on: not the request's.
  if (node.callFrame.functionName === 'randomUUID') return 0;
  const here = underContext || (node.callFrame.functionName === 'createContext' && node.callFrame.url.includes('src/context'));
  return (here ? node.selfSize : 0) + node.children.reduce((sum, child) => sum + contextBytes(child, here), 0);
}

describe('what a request leaves in the heap', () => {
  let harness: Harness;
  const session = new Session();

  beforeAll(async () => {
    harness = await startHarness();
    session.connect();
  });
  afterAll(async () => {
    session.disconnect();
    await harness?.close();
  });

  it('no finished request context survives two scavenges (nothing per request is promoted)', async () => {
    // Warm first, so lazily built, long-lived objects are not counted as the requests'.
    expect((await harness.query(PAGE_QUERY)).status).toBe(200);
    await post(session, 'HeapProfiler.startSampling', { samplingInterval: 64, includeObjectsCollectedByMinorGC: false, includeObjectsCollectedByMajorGC: true });
    for (let i = 0; i < REQUESTS; i++) {
      const response = await harness.query(PAGE_QUERY);
      expect(response.status).toBe(200);
      expect(response.body.errors).toBeUndefined();
      expect((response.body.data as { products: { edges: unknown[] } }).products.edges).toHaveLength(10);
    }
    minorGc();
    minorGc();
    const { profile } = (await post(session, 'HeapProfiler.getSamplingProfile')) as { profile: { head: ProfileNode } };
    await post(session, 'HeapProfiler.stopSampling');
    // With the cycle, every context with its loads survived: ~3 KiB a request from createContext
    // alone. Without it, ~0.45 KiB (a context's shell still outlives some scavenges; its loads do not).
    expect(contextBytes(profile.head) / REQUESTS).toBeLessThan(1024);
  }, 30_000);
});
