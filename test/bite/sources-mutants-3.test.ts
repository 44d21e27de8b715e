import { describe, expect, it } from 'vitest';
import { UpstreamBadResponseError } from '../../src/errors.js';
import type { CallSpec } from '../../src/resilience/pipeline.js';
import type { LoadContext } from '../../src/sources/operation.js';
import { cartWrites } from '../../src/sources/cart.js';
import { favorites, favoritesWrites } from '../../src/sources/favorites.js';
import { pricing } from '../../src/sources/pricing.js';

/**
 * The pricing and favorites declarations (src/sources/pricing.ts, favorites.ts) as the pipeline
 * sees them: the exact call each makes and what each makes of an answer, with the answer handed to
 * the declaration's own `parse` as the upstream client would hand it. Survivors of run H3-S
 * (docs/testing.md, sixth pass).
 */
type Answer = { status: number; body: unknown };

/** A LoadContext whose fetch records each call and answers it with `answer(spec)`. */
function answering(answer: (spec: CallSpec<unknown>) => Answer, currency = 'USD'): { context: LoadContext; calls: Array<CallSpec<unknown>> } {
  const calls: Array<CallSpec<unknown>> = [];
  const fetch = (async (spec: CallSpec<unknown>) => {
    calls.push(spec);
    return spec.parse(answer(spec));
  }) as LoadContext['fetch'];
  return { calls, context: { fetch, source: 'test-source', currency } };
}

describe('pricing: GET /prices', () => {
  it('asks once for every key in the currency, idempotent, and refuses a price in another currency as a bad item of its own key', async () => {
    const { context, calls } = answering(() => ({
      status: 200,
      body: { items: [{ productId: 'p-1', amount: 1999, currency: 'USD' }, { productId: 'p,2', amount: 500, currency: 'EUR' }] },
    }));
    const values = await pricing.operations.price.load(['p-1', 'p,2'], context);
    expect(calls.map(({ method, path, idempotent }) => ({ method, path, idempotent }))).toEqual([{ method: 'GET', path: '/prices?ids=p-1,p%2C2&currency=USD', idempotent: true }]);
    expect(values[0]).toEqual({ productId: 'p-1', amount: 1999, currency: 'USD' });
    expect(values[1]).toBeInstanceOf(UpstreamBadResponseError);
    expect((values[1] as Error).message).toBe('test-source item p,2: currency not in USD');
  });

  it('checks each gateway currency against its own (a EUR gateway refuses USD, and the USD check is not reused for it)', async () => {
    const body = { items: [{ productId: 'p-1', amount: 100, currency: 'USD' }] };
    const usd = await pricing.operations.price.load(['p-1'], answering(() => ({ status: 200, body }), 'USD').context);
    const eur = await pricing.operations.price.load(['p-1'], answering(() => ({ status: 200, body }), 'EUR').context);
    expect(usd[0]).toEqual(body.items[0]);
    expect((eur[0] as Error).message).toBe('test-source item p-1: currency not in EUR');
    const again = await pricing.operations.price.load(['p-1'], answering(() => ({ status: 200, body }), 'USD').context);
    expect(again[0]).toEqual(body.items[0]);
  });
});

describe('favorites: GET /favorites/{userId}', () => {
  it('reads a 404 as no favorites, asking with the user id encoded and the route as a template', async () => {
    const { context, calls } = answering(() => ({ status: 404, body: null }));
    const values = await favorites.operations.favorites.load(['u/1'], context);
    expect(values).toEqual([{ userId: 'u/1', productIds: [] }]);
    expect(calls.map(({ method, path, route, idempotent, acceptStatuses }) => ({ method, path, route, idempotent, acceptStatuses }))).toEqual([
      { method: 'GET', path: '/favorites/u%2F1', route: '/favorites/{userId}', idempotent: true, acceptStatuses: [404] },
    ]);
  });

  it("takes the user's list, and refuses a list about another user", async () => {
    const own = await favorites.operations.favorites.load(['u-1'], answering(() => ({ status: 200, body: { userId: 'u-1', productIds: ['p-2', 'p-1'] } })).context);
    expect(own).toEqual([{ userId: 'u-1', productIds: ['p-2', 'p-1'] }]);
    await expect(favorites.operations.favorites.load(['u-1'], answering(() => ({ status: 200, body: { userId: 'u-2', productIds: [] } })).context)).rejects.toThrow(UpstreamBadResponseError);
  });
});

describe("the writes' answers name their source", () => {
  /** What a write's parse makes of `body`: its value or the error it throws. */
  function parsed(parse: (response: Answer) => unknown, body: unknown): unknown {
    try {
      return parse({ status: 200, body });
    } catch (error) {
      return error;
    }
  }

  it('favorites: an answer about another user, or without a list, is a bad answer of favorites', () => {
    const add = favoritesWrites.add('u-1', 'p-1');
    expect(parsed(add.parse, { userId: 'u-1', productIds: ['p-1'] })).toEqual({ userId: 'u-1', productIds: ['p-1'] });
    for (const body of [{ userId: 'u-2', productIds: ['p-1'] }, { userId: 'u-1' }]) {
      const error = parsed(favoritesWrites.remove('u-1', 'p-1').parse, body);
      expect(error).toBeInstanceOf(UpstreamBadResponseError);
      expect((error as UpstreamBadResponseError).source).toBe('favorites');
    }
  });

  it('cart: an answer about another user, or not a cart, is a bad answer of cart', () => {
    for (const body of [{ userId: 'u-2', items: [] }, { userId: 'u-1', items: 'none' }]) {
      const error = parsed(cartWrites.addLine('u-1', 'p-1', 1).parse, body);
      expect(error).toBeInstanceOf(UpstreamBadResponseError);
      expect((error as UpstreamBadResponseError).source).toBe('cart');
    }
  });
});
