import type { GraphQLResolveInfo } from 'graphql';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { BallastContext } from '../../src/context.js';
import { DegradationCollector } from '../../src/degradation/collector.js';
import { fallBack } from '../../src/degradation/fallback.js';
import { StaleCache } from '../../src/degradation/stale-cache.js';
import type { StaleStore } from '../../src/degradation/stale-cache.js';
import { Deadline } from '../../src/resilience/deadline.js';
import type { BoundOperation } from '../../src/sources/operation.js';

/**
 * Survivors of the tenth session's reruns of src/degradation/ (docs/testing.md § "Reruns (tenth
 * session)"). The collector's grouping: one report entry per source, reason and fallback, and a
 * field listed once however many of its keys fell back.
 *
 * The fallback order's shared-store step (src/degradation/fallback.ts), driven directly: its five
 * mutants had no coverage in any in-process run (docs/testing.md § "Reruns (tenth session)").
 * A memory miss asks the shared store only while the request has time left, and only then
 * answers with a promise; a passed deadline (0 ms left exactly: `Deadline` never goes below 0)
 * goes straight on to DEFAULT or NULL.
 */
interface Price {
  amount: number;
}

/** A shared store in memory holding one stored price, recording the keys it is asked for. */
function storeHolding(stored: { value: Price; storedAt: number } | undefined): StaleStore & { reads: string[] } {
  const store = {
    reads: [] as string[],
    get: async (key: string) => (store.reads.push(key), stored),
    set: () => true,
    close: async () => undefined,
  };
  return store;
}

const info = { path: { prev: undefined, key: 'price', typename: 'Product' } } as unknown as GraphQLResolveInfo;

function setUp(options: { store?: StaleStore; budgetMs: number; defaultValue?: Price }) {
  const stale = new StaleCache<Price>({ maxStaleMs: 60_000, maxEntries: 10, ...(options.store ? { shared: { store: options.store, namespace: 'price:', writeIntervalMs: 1_000 } } : {}) });
  const defaultValue = options.defaultValue;
  const operation = { source: 'pricing', stale, definition: defaultValue ? { defaultValue: () => defaultValue } : {} } as unknown as BoundOperation<Price>;
  const degradation = new DegradationCollector();
  const context = { deadline: new Deadline(options.budgetMs), degradation } as unknown as BallastContext;
  return { operation, context, degradation };
}

describe('fallBack: the shared store between memory and DEFAULT', () => {
  it('a memory miss with time left asks the store by namespaced key and serves its value STALE, with its age, through a promise', async () => {
    const store = storeHolding({ value: { amount: 7 }, storedAt: Date.now() - 5_000 });
    const { operation, context, degradation } = setUp({ store, budgetMs: 60_000, defaultValue: { amount: 0 } });
    const answer = fallBack(context, info, operation, 'p-1', 'UPSTREAM_TIMEOUT');
    expect(answer).toBeInstanceOf(Promise);
    expect(await answer).toEqual({ amount: 7 });
    expect(store.reads).toEqual(['price:p-1']);
    const [entry] = degradation.takeReport()!;
    expect(entry).toMatchObject({ source: 'pricing', reason: 'UPSTREAM_TIMEOUT', fallback: 'STALE', paths: [['price']] });
    expect(entry!.staleAgeMs).toBeGreaterThanOrEqual(5_000);
    expect(entry!.staleAgeMs).toBeLessThan(6_000);
  });

  it('a store miss goes on to DEFAULT, through the same promise', async () => {
    const store = storeHolding(undefined);
    const { operation, context, degradation } = setUp({ store, budgetMs: 60_000, defaultValue: { amount: 0 } });
    expect(await fallBack(context, info, operation, 'p-2', 'UPSTREAM_UNAVAILABLE')).toEqual({ amount: 0 });
    expect(store.reads).toEqual(['price:p-2']);
    expect(degradation.takeReport()).toEqual([{ source: 'pricing', reason: 'UPSTREAM_UNAVAILABLE', fallback: 'DEFAULT', paths: [['price']] }]);
  });

  it('with the deadline passed (0 ms left) the store is not asked: DEFAULT at once, not a promise', () => {
    const store = storeHolding({ value: { amount: 7 }, storedAt: Date.now() });
    const { operation, context, degradation } = setUp({ store, budgetMs: 0, defaultValue: { amount: 0 } });
    expect(context.deadline.remainingMs()).toBe(0);
    expect(fallBack(context, info, operation, 'p-3', 'DEADLINE_EXCEEDED')).toEqual({ amount: 0 });
    expect(store.reads).toEqual([]);
    expect(degradation.takeReport()).toEqual([{ source: 'pricing', reason: 'DEADLINE_EXCEEDED', fallback: 'DEFAULT', paths: [['price']] }]);
  });

  it('without a shared store a miss is NULL at once: the field error is thrown, not a rejected promise', () => {
    const { operation, context, degradation } = setUp({ budgetMs: 60_000 });
    let thrown: unknown;
    try {
      fallBack(context, info, operation, 'p-4', 'CIRCUIT_OPEN');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GraphQLError);
    expect((thrown as GraphQLError).message).toBe('pricing is unavailable (CIRCUIT_OPEN)');
    expect((thrown as GraphQLError).extensions).toEqual({ code: 'CIRCUIT_OPEN', source: 'pricing' });
    expect(degradation.takeReport()).toEqual([{ source: 'pricing', reason: 'CIRCUIT_OPEN', fallback: 'NULL', paths: [['price']] }]);
  });
});

describe('DegradationCollector: one entry per source, reason and fallback; one path per field', () => {
  const pathOf = (key: string, prev?: GraphQLResolveInfo['path']): GraphQLResolveInfo['path'] => ({ prev, key, typename: 'Product' });

  it('fields of different sources, reasons or fallbacks are reported in separate entries, in the order first seen', () => {
    const collector = new DegradationCollector();
    collector.record({ source: 'pricing', reason: 'UPSTREAM_TIMEOUT', fallback: 'STALE', path: pathOf('price'), staleAgeMs: 40 });
    collector.record({ source: 'inventory', reason: 'UPSTREAM_TIMEOUT', fallback: 'DEFAULT', path: pathOf('inventory') });
    collector.record({ source: 'pricing', reason: 'CIRCUIT_OPEN', fallback: 'STALE', path: pathOf('price', pathOf('second')) });
    collector.record({ source: 'pricing', reason: 'UPSTREAM_TIMEOUT', fallback: 'NULL', path: pathOf('price', pathOf('third')) });
    expect(collector.takeReport()).toEqual([
      { source: 'pricing', reason: 'UPSTREAM_TIMEOUT', fallback: 'STALE', paths: [['price']], staleAgeMs: 40 },
      { source: 'inventory', reason: 'UPSTREAM_TIMEOUT', fallback: 'DEFAULT', paths: [['inventory']] },
      { source: 'pricing', reason: 'CIRCUIT_OPEN', fallback: 'STALE', paths: [['second', 'price']] },
      { source: 'pricing', reason: 'UPSTREAM_TIMEOUT', fallback: 'NULL', paths: [['third', 'price']] },
    ]);
  });

  it('a field recorded once per key (a cart subtotal over three lines) is listed once; another field of the group is added', () => {
    const collector = new DegradationCollector();
    const subtotal = pathOf('subtotal', pathOf('cart'));
    for (const staleAgeMs of [10, 30, 20]) collector.record({ source: 'pricing', reason: 'UPSTREAM_UNAVAILABLE', fallback: 'STALE', path: subtotal, staleAgeMs });
    collector.record({ source: 'pricing', reason: 'UPSTREAM_UNAVAILABLE', fallback: 'STALE', path: pathOf('total', pathOf('cart')), staleAgeMs: 5 });
    expect(collector.takeReport()).toEqual([{ source: 'pricing', reason: 'UPSTREAM_UNAVAILABLE', fallback: 'STALE', paths: [['cart', 'subtotal'], ['cart', 'total']], staleAgeMs: 30 }]);
  });
});
