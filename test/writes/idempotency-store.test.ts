import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServices } from '../../src/demo/index.js';
import type { DemoServices } from '../../src/demo/index.js';
import { IdempotencyStore, KEY_REUSED } from '../../src/demo/idempotency.js';
import type { DemoAnswer } from '../../src/demo/route.js';

describe('the demo idempotency store', () => {
  it('any sequence of (key, body) writes with replays applies each key once, and a replay answers what the first did', () => {
    const write = fc.record({ key: fc.constantFrom('k1', 'k2', 'k3', 'k4'), quantity: fc.integer({ min: 1, max: 3 }) });
    fc.assert(
      fc.property(fc.array(write, { maxLength: 60 }), (writes) => {
        const store = new IdempotencyStore();
        let total = 0;
        const applied: string[] = [];
        const first = new Map<string, { quantity: number; answer: DemoAnswer }>();
        for (const { key, quantity } of writes) {
          const answer = store.run(key, `POST /carts/u-1/lines ${quantity}`, () => {
            applied.push(key);
            total += quantity;
            return { status: 200, body: { total } };
          });
          const original = first.get(key);
          if (!original) first.set(key, { quantity, answer });
          else expect(answer).toEqual(original.quantity === quantity ? original.answer : KEY_REUSED);
        }
        // Applied once per distinct key, in first-seen order, and the total is the first bodies' sum.
        expect(applied).toEqual([...first.keys()]);
        expect(total).toBe([...first.values()].reduce((sum, { quantity }) => sum + quantity, 0));
      }),
      { numRuns: 300 },
    );
  });

  it('stays within its byte bound: the least recently used keys are forgotten first', () => {
    const store = new IdempotencyStore({ maxBytes: 2000 });
    for (let n = 0; n < 1000; n++) store.run(`key-${n}`, 'POST /x {}', () => ({ status: 200, body: { n } }));
    expect(store.size).toBeGreaterThan(10);
    expect(store.size).toBeLessThan(100);
    let reapplied = 0;
    store.run('key-999', 'POST /x {}', () => ((reapplied += 1), { status: 200, body: {} }));
    store.run('key-0', 'POST /x {}', () => ((reapplied += 1), { status: 200, body: {} }));
    expect(reapplied).toBe(1);
  });
});

describe('the demo services over HTTP', () => {
  let demo: DemoServices;
  beforeAll(async () => {
    demo = await startDemoServices({ sources: ['cart'] });
  });
  afterAll(() => demo.close());

  const post = (body: unknown, key?: string): Promise<Response> =>
    fetch(`${demo.service('cart').url}/carts/u-4/lines`, { method: 'POST', headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) }, body: JSON.stringify(body) });

  it('a replay gets the first answer, the same key with another body 422, a write without a key 400', async () => {
    const first = await post({ productId: 'p-0002', quantity: 2 }, 'h-1');
    expect(first.status).toBe(200);
    const cart = { userId: 'u-4', items: [{ productId: 'p-0002', quantity: 2 }] };
    expect(await first.json()).toEqual(cart);
    const replay = await post({ productId: 'p-0002', quantity: 2 }, 'h-1');
    expect(await replay.json()).toEqual(cart);
    const reused = await post({ productId: 'p-0002', quantity: 3 }, 'h-1');
    expect(reused.status).toBe(422);
    await reused.arrayBuffer();
    const keyless = await post({ productId: 'p-0002', quantity: 1 });
    expect(keyless.status).toBe(400);
    await keyless.arrayBuffer();
    expect(await (await fetch(`${demo.service('cart').url}/carts/u-4`)).json()).toEqual(cart);
  });
});
