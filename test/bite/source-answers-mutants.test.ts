import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { UpstreamBadResponseError } from '../../src/errors.js';
import { itemsByKey } from '../../src/sources/batch-response.js';
import { answerFor, parseBody } from '../../src/sources/object-response.js';
import { pathSegment, UnsafePathSegmentError } from '../../src/sources/path-segment.js';

/**
 * What a wrong upstream answer is called. The client only sees "<source> is unavailable
 * (UPSTREAM_BAD_RESPONSE)"; these messages are what operators read in failure samples and logs
 * to tell which key, which field and which rule the upstream broke (docs/degradation.md,
 * "Wrong answers"). Mutation testing found no test holding them (docs/testing.md).
 */
const priceItem = z.object({ id: z.string(), price: z.object({ amount: z.number().int() }) });
const cartBody = z.object({ userId: z.string(), lines: z.array(z.object({ quantity: z.number() })) });

/** zod's own wording of the first issue, so the test pins Ballast's part of the message, not zod's. */
function zodMessage(schema: z.ZodType, value: unknown): string {
  const result = schema.safeParse(value);
  if (result.success) throw new Error('expected a failing value');
  return result.error.issues[0]!.message;
}

function messages(results: unknown[]): unknown[] {
  return results.map((result) => (result instanceof UpstreamBadResponseError ? `${result.source}: ${result.message}` : result));
}

describe('batch answers: the message names the source, the key and the broken field', () => {
  it('a bad item names its key and the dotted path of the field, a duplicate names its key, an absent key is null', () => {
    const badAmount = { id: 'p-1', price: { amount: 1.5 } };
    const body = { items: [badAmount, { id: 'p-2', price: { amount: 2 } }, { id: 'p-2', price: { amount: 3 } }, { id: 'p-4', price: { amount: 4 } }] };
    const results = itemsByKey('pricing', body, ['p-1', 'p-2', 'p-3', 'p-4'], priceItem, 'id');
    expect(messages(results)).toEqual([
      `pricing: pricing item p-1: price.amount ${zodMessage(priceItem, badAmount)}`,
      'pricing: pricing answered item p-2 more than once',
      null,
      { id: 'p-4', price: { amount: 4 } },
    ]);
  });

  it('items without a key make every key not otherwise answered a bad answer that counts them', () => {
    const results = itemsByKey('pricing', { items: [null, 'p-9', { price: { amount: 1 } }, { id: 'p-2', price: { amount: 2 } }] }, ['p-1', 'p-2'], priceItem, 'id');
    expect(messages(results)).toEqual(['pricing: pricing answered 3 item(s) without a key: this key may be one of them', { id: 'p-2', price: { amount: 2 } }]);
  });

  it('a body without an items array fails the whole batch with a message saying so', () => {
    expect(() => itemsByKey('inventory', { item: [] }, ['p-1'], priceItem, 'id')).toThrow(
      expect.objectContaining({ name: 'UpstreamBadResponseError', source: 'inventory', code: 'UPSTREAM_BAD_RESPONSE', message: 'inventory answered without an items array' }),
    );
  });
});

describe('single-object answers', () => {
  it('a wrong shape names the dotted path of the first broken field', () => {
    const body = { userId: 'u-1', lines: [{ quantity: 'two' }] };
    expect(() => parseBody('cart', body, cartBody)).toThrow(
      expect.objectContaining({ source: 'cart', code: 'UPSTREAM_BAD_RESPONSE', message: `cart answered an unexpected shape (lines.0.quantity: ${zodMessage(cartBody, body)})` }),
    );
  });

  it('a body that is not an object at all is named "body"', () => {
    expect(() => parseBody('cart', 'nope', cartBody)).toThrow(
      expect.objectContaining({ source: 'cart', message: `cart answered an unexpected shape (body: ${zodMessage(cartBody, 'nope')})` }),
    );
  });

  it('a good body is returned as parsed', () => {
    expect(parseBody('cart', { userId: 'u-1', lines: [{ quantity: 2 }], extra: true }, cartBody)).toEqual({ userId: 'u-1', lines: [{ quantity: 2 }] });
  });

  it('an answer about another key names both keys', () => {
    expect(() => answerFor('favorites', 'u-1', 'u-2', { userId: 'u-2' })).toThrow(
      expect.objectContaining({ source: 'favorites', code: 'UPSTREAM_BAD_RESPONSE', message: 'favorites answered for u-2 when asked for u-1' }),
    );
    expect(answerFor('favorites', 'u-1', 'u-1', { userId: 'u-1' })).toEqual({ userId: 'u-1' });
  });
});

describe('pathSegment: the last guard before a caller id becomes part of an upstream URL', () => {
  // Resolvers refuse these ids earlier (BAD_USER_INPUT); this holds the guard a new caller would rely on.
  it.each(['', '.', '..'])('refuses %j with its own error, naming the value', (value) => {
    let thrown: unknown;
    try {
      pathSegment(value);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UnsafePathSegmentError);
    expect(thrown).toMatchObject({ name: 'UnsafePathSegmentError', message: `"${value}" cannot be used as an id: empty, "." and ".." are not allowed` });
  });

  it('encodes every other id as one segment', () => {
    expect(['u.1', 'a/b', '../x', '...', '%2e%2e', '?#\\'].map(pathSegment)).toEqual(['u.1', 'a%2Fb', '..%2Fx', '...', '%252e%252e', '%3F%23%5C']);
  });
});
