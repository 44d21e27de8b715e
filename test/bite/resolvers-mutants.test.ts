import { createHmac } from 'node:crypto';
import { buildSchema, GraphQLError, GraphQLInt, GraphQLObjectType } from 'graphql';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { createContext } from '../../src/context.js';
import { UpstreamTimeoutError } from '../../src/errors.js';
import { UpstreamClient } from '../../src/http/upstream-client.js';
import { ResiliencePipeline } from '../../src/resilience/pipeline.js';
import { fieldTimer } from '../../src/resolvers/degradable.js';
import { fieldTimeoutOf } from '../../src/resolvers/field-timeout.js';
import { decodeCursor, encodeCursor, MAX_PAGE_SIZE, validatePageSize } from '../../src/resolvers/pagination.js';
import type { Operations } from '../../src/sources/bind.js';
import { BoundOperation } from '../../src/sources/operation.js';
import type { SourceOperation } from '../../src/sources/operation.js';

/**
 * The edges of two resolver rules mutation testing found unheld (docs/testing.md): the page size
 * and cursor bounds (docs/security.md), and where a field's own time limit comes from
 * (config `fieldTimeouts` first, then the SDL's `@timeout(ms:)`).
 */
function refusal(run: () => unknown): { message: string; code: unknown } | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof GraphQLError) return { message: error.message, code: error.extensions.code };
    throw error;
  }
  return undefined;
}

describe('page size', () => {
  it('accepts 1 and 100, refuses 0, 101, -1 and 1.5 with a message naming the range', () => {
    expect([1, MAX_PAGE_SIZE].map(validatePageSize)).toEqual([1, 100]);
    expect([0, 101, -1, 1.5].map((first) => refusal(() => validatePageSize(first)))).toEqual(
      [0, 101, -1, 1.5].map((first) => ({ message: `first must be between 1 and 100, got ${first}`, code: 'BAD_USER_INPUT' })),
    );
  });
});

describe('cursors', () => {
  const notOurs = { message: 'after is not a cursor returned by this API', code: 'BAD_USER_INPUT' };

  it('no cursor is the beginning', () => {
    expect(decodeCursor(null)).toEqual({ upstreamCursor: null, skip: 0 });
    expect(decodeCursor(undefined, 's')).toEqual({ upstreamCursor: null, skip: 0 });
  });

  it('round-trips every skip from 0 to 100, with a catalog cursor or none', () => {
    for (const skip of [0, 1, 99, 100]) {
      for (const upstreamCursor of [null, 'c-20']) expect(decodeCursor(encodeCursor({ upstreamCursor, skip }, 'k'), 'k')).toEqual({ upstreamCursor, skip });
    }
  });

  it('refuses a skip past 100 or a catalog cursor that is not a string, even signed with the right key', () => {
    for (const position of [{ upstreamCursor: null, skip: 101 }, { upstreamCursor: null, skip: -1 }, { upstreamCursor: null, skip: 1.5 }, { upstreamCursor: 7 as unknown as string, skip: 0 }]) {
      expect(refusal(() => decodeCursor(encodeCursor(position, 'k'), 'k'))).toEqual(notOurs);
    }
  });

  it('a cursor signed with another key, or with the process key when a secret is set, is refused', () => {
    const position = { upstreamCursor: 'c-20', skip: 3 };
    expect(refusal(() => decodeCursor(encodeCursor(position, 'a'), 'b'))).toEqual(notOurs);
    expect(refusal(() => decodeCursor(encodeCursor(position), 'b'))).toEqual(notOurs);
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
  });

  it('accepts a signed cursor of exactly 1,395 characters, the longest it issues, and refuses a longer one unread', () => {
    // base64url of 16 MAC bytes + JSON `[cursor, 0]`: pick the catalog cursor's length for the size wanted.
    const sized = (chars: number) => {
      for (let length = 0; length < 1200; length += 1) {
        const cursor = encodeCursor({ upstreamCursor: 'c'.repeat(length), skip: 0 }, 'k');
        if (cursor.length === chars) return { cursor, length };
      }
      throw new Error(`no cursor of ${chars} characters`);
    };
    const atBound = sized(1395);
    expect(decodeCursor(atBound.cursor, 'k')).toEqual({ upstreamCursor: 'c'.repeat(atBound.length), skip: 0 });
    expect(refusal(() => decodeCursor(sized(1396).cursor, 'k'))).toEqual(notOurs);
    // The longest Ballast issues: a catalog cursor of 1,024 bytes as JSON (src/sources/catalog.ts) and a skip of a whole page.
    const longest = { upstreamCursor: 'c'.repeat(1022), skip: 100 };
    expect(encodeCursor(longest, 'k')).toHaveLength(1395);
    expect(decodeCursor(encodeCursor(longest, 'k'), 'k')).toEqual(longest);
  });

  it('a signed payload that is JSON but not a [cursor, skip] pair is refused', () => {
    // encodeCursor always writes a pair; these are what a changed format would leave behind.
    const forge = (json: string) => {
      const payload = Buffer.from(json);
      const tag = createHmac('sha256', 'k').update(payload).digest().subarray(0, 16);
      return Buffer.concat([tag, payload]).toString('base64url');
    };
    expect(decodeCursor(forge('[null,0]'), 'k')).toEqual({ upstreamCursor: null, skip: 0 });
    for (const json of ['[null]', '[null,0,0]', '{"0":null,"1":0,"length":2}', 'not json']) expect(refusal(() => decodeCursor(forge(json), 'k'))).toEqual(notOurs);
  });
});

describe("a field's own time limit", () => {
  const sdl = `
    directive @timeout(ms: Int, note: Int) on FIELD_DEFINITION
    directive @other(ms: Int!) on FIELD_DEFINITION
    directive @limit(ms: Int, seconds: Int) on FIELD_DEFINITION
    type Query { price: Int @timeout(ms: 800) stock: Int @other(ms: 5) rating: Int @limit(seconds: 9) plain: Int late: Int @timeout(note: 5, ms: 700) noted: Int @timeout(note: 5) }
  `;
  // The limit is worked out once per schema field (a WeakMap per field), so each case gets its own schema.
  const queryType = (): GraphQLObjectType => buildSchema(sdl).getQueryType()!;

  it('reads @timeout(ms:) from the SDL, with the Type.field coordinate', () => {
    expect(fieldTimeoutOf(queryType(), 'price', {})).toEqual({ coordinate: 'Query.price', ms: 800 });
  });

  it('config fieldTimeouts wins over the SDL, and gives a limit to a field without one', () => {
    const type = queryType();
    expect(fieldTimeoutOf(type, 'price', { 'Query.price': 5000 })).toEqual({ coordinate: 'Query.price', ms: 5000 });
    expect(fieldTimeoutOf(type, 'plain', { 'Query.plain': 30 })).toEqual({ coordinate: 'Query.plain', ms: 30 });
  });

  it('another directive with an ms argument, or @timeout-like without ms, is no limit; nor is an unknown field', () => {
    const type = queryType();
    expect([fieldTimeoutOf(type, 'stock', {}), fieldTimeoutOf(type, 'rating', {}), fieldTimeoutOf(type, 'plain', {}), fieldTimeoutOf(type, 'missing', { 'Query.missing': 1 })]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('reads the ms argument by name, wherever it stands, and nothing else of @timeout', () => {
    const type = queryType();
    expect([fieldTimeoutOf(type, 'late', {}), fieldTimeoutOf(type, 'noted', {})]).toEqual([{ coordinate: 'Query.late', ms: 700 }, undefined]);
  });

  it('a field built in code (no SDL, so no AST) has no SDL limit, only its config one', () => {
    const type = new GraphQLObjectType({ name: 'Built', fields: { total: { type: GraphQLInt }, count: { type: GraphQLInt } } });
    expect(fieldTimeoutOf(type, 'total', {})).toBeUndefined();
    expect(fieldTimeoutOf(type, 'count', { 'Built.count': 40 })).toEqual({ coordinate: 'Built.count', ms: 40 });
  });

  it('is worked out once per field: a later call with other overrides gets the first answer', () => {
    const type = queryType();
    expect(fieldTimeoutOf(type, 'price', {})).toEqual({ coordinate: 'Query.price', ms: 800 });
    expect(fieldTimeoutOf(type, 'price', { 'Query.price': 1 })).toEqual({ coordinate: 'Query.price', ms: 800 });
    expect(fieldTimeoutOf(type, 'plain', {})).toBeUndefined();
    expect(fieldTimeoutOf(type, 'plain', { 'Query.plain': 1 })).toBeUndefined();
  });
});

describe("a field's own timer (fieldTimer)", () => {
  const pipelines: ResiliencePipeline[] = [];
  afterAll(() => pipelines.forEach((pipeline) => pipeline.shutdown()));
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Pricing with the given call limit, never called (nothing listens on port 9). */
  function pricingWithin(timeoutMs: number): BoundOperation<{ id: string }> {
    const config = resolveConfig({});
    const pipeline = new ResiliencePipeline('pricing', new URL('http://127.0.0.1:9'), { ...config.sources.pricing, timeoutMs }, new UpstreamClient());
    pipelines.push(pipeline);
    const definition: SourceOperation<{ id: string }> = { source: 'pricing', name: 'priceById', load: (keys) => Promise.resolve(keys.map((id) => ({ id }))) };
    return new BoundOperation(definition, pipeline, { maxStaleMs: 0, staleMaxEntries: 1, maxBatchSize: 100, currency: 'USD' });
  }
  const contextWithin = (deadlineMs: number) => createContext({ config: resolveConfig({ deadlineMs }), operations: {} as Operations }, new Request('http://127.0.0.1/graphql'));
  const own = (ms: number) => ({ coordinate: 'Product.price', ms });

  it('none without a limit of its own, or when the limit is not shorter than the call limit and the deadline', () => {
    const operation = pricingWithin(1000);
    expect(fieldTimer(contextWithin(2000), undefined, operation)).toBeUndefined();
    expect(fieldTimer(contextWithin(2000), own(1000), operation)).toBeUndefined();
    expect(fieldTimer(contextWithin(2000), own(1500), operation)).toBeUndefined();
    // The deadline is the shorter limit here: a field limit between the two needs no timer.
    expect(fieldTimer(contextWithin(500), own(700), operation)).toBeUndefined();
  });

  it('a shorter limit gets a timer of exactly that many ms, failing the field as a timeout of its source', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const timer = fieldTimer(contextWithin(2000), own(999), pricingWithin(1000));
    expect(timer).toBeDefined();
    let outcome: unknown = 'waiting';
    timer!.race(new Promise(() => {})).then(undefined, (error: unknown) => (outcome = error));
    await vi.advanceTimersByTimeAsync(998);
    expect(outcome).toBe('waiting');
    await vi.advanceTimersByTimeAsync(1);
    expect(outcome).toBeInstanceOf(UpstreamTimeoutError);
    expect(outcome).toMatchObject({ source: 'pricing', code: 'UPSTREAM_TIMEOUT', message: 'Product.price waited 999 ms for pricing' });
  });
});
