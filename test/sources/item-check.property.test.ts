import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { declaredPricingSchemaDir } from '../../bench/servers/declared-pricing.js';
import { loadDeclarations } from '../../src/declared/declarations.js';
import { declaredAnswerSchema } from '../../src/declared/operation.js';
import { readTypeDefs } from '../../src/declared/schema-files.js';
import { RESOLVED_FIELDS } from '../../src/schema.js';
import { envelope } from '../../src/sources/batch-response.js';
import { cartSchema } from '../../src/sources/cart.js';
import { catalogProductSchema, pageSchema } from '../../src/sources/catalog.js';
import { favoritesSchema } from '../../src/sources/favorites.js';
import { inventorySchema } from '../../src/sources/inventory.js';
import { absentAsNull, checkedParse, passesAsIs } from '../../src/sources/item-check.js';
import { priceIn } from '../../src/sources/pricing.js';
import { reviewsItemSchema } from '../../src/sources/reviews.js';

/**
 * The check-only path (src/sources/item-check.ts) against zod itself, over random near-valid
 * inputs for every schema a source checks answers with: it accepts exactly what zod accepts, a
 * value it accepts equals zod's `data` exactly (an object with keys zod strips is never handed on
 * as is: zod's copy is), and a rejected value carries zod's own issues, so every message stays.
 */

/**
 * A recursive declared type, so the lazy (self-referring) schemas are covered too, and one with
 * every other scalar a declaration may use (Float, Boolean, ID, an enum, a list of strings).
 */
const PART_SDL = `
type Part { name: String! weight: Int! kind: String! parts: [Part!] }
type Gadget { id: ID! ratio: Float score: Float! on: Boolean! speed: ShippingSpeed tags: [String!]! }
extend type Product {
  gadget: Gadget @rest(source: "shipping", path: "/gadgets", batchKey: "ids", keyField: "productId")
  partTree: Part @rest(source: "shipping", path: "/parts", batchKey: "productIds", keyField: "productId", match: "kind=assembly")
  partById: Part @rest(source: "shipping", path: "/parts/{id}", match: "kind=assembly")
}
`;

/**
 * A schema, the key field when it checks batch items (which may carry that key beyond their type),
 * and whether anything can pass as is: a declared list answer is transformed (`{items}` to the
 * list), so zod always checks it.
 */
type Case = [name: string, schema: z.ZodType, keyField: string | undefined, asIs: false | undefined];

function declaredSchemas(): Case[] {
  const typeDefs = [...readTypeDefs(declaredPricingSchemaDir()), PART_SDL];
  return loadDeclarations(typeDefs, RESOLVED_FIELDS).flatMap((declaration): Case[] => [
    [`${declaration.coordinate} answer`, declaredAnswerSchema(declaration, { currency: 'USD' }), declaration.keyField, declaration.list ? false : undefined],
    [`${declaration.coordinate} value`, declaration.value, undefined, undefined],
    [`${declaration.coordinate} item`, declaration.item, declaration.keyField, undefined],
  ]);
}

const SCHEMAS: Case[] = [
  ['batch envelope', envelope, undefined, undefined],
  ['catalog page', pageSchema, undefined, undefined],
  ['catalog product', catalogProductSchema, 'id', undefined],
  ['inventory item', inventorySchema, 'productId', undefined],
  ['reviews item', reviewsItemSchema, 'productId', undefined],
  ['price item in USD', priceIn('USD'), 'productId', undefined],
  ['price item in EUR', priceIn('EUR'), 'productId', undefined],
  ['cart', cartSchema, undefined, undefined],
  ['favorites', favoritesSchema, undefined, undefined],
  ...declaredSchemas(),
];

/** Edges of the int32 and review bounds, non-integers, and numbers JSON cannot hold. */
const NUMBER_EDGES = [0, -0, 1, -1, 3, 5, Number.NEGATIVE_INFINITY, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 1.5, 4.99, 5.01, -0.01, Number.MAX_SAFE_INTEGER + 2, Number.NaN, Number.POSITIVE_INFINITY];
/** Currencies right and wrong (the regex, the refine), ids, match values, enum values. */
const STRING_EDGES = ['', 'USD', 'USD', 'EUR', 'EUR', 'EUR', 'usd', 'US', 'USDD', 'p-0001', 'u-1', 'assembly', 'leaf', 'assembly', 'STANDARD', 'EXPRESS', 'UPS'];
/** Keys zod strips, including ones that name the prototype. */
const EXTRA_KEYS = ['extra', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'productId'];
const MAX_DEPTH = 3;

interface Internals {
  _zod: { def: Record<string, unknown> & { type: string }; values?: Set<unknown>; innerType?: Internals };
}

const odd: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(undefined, null, [], {}, 'text', 7, true),
  fc.anything({ maxDepth: 2, maxKeys: 3, withNullPrototype: true, withBoxedValues: true, withSparseArray: true }),
);

/** Values near the schema: mostly its own shape with edge values, sometimes anything at all. */
function near(schema: Internals, depth: number): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 12, arbitrary: shaped(schema, depth) }, { weight: 1, arbitrary: odd });
}

function shaped(schema: Internals, depth: number): fc.Arbitrary<unknown> {
  const def = schema._zod.def;
  const inner = (key: string) => def[key] as Internals;
  switch (def.type) {
    case 'string':
      return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...STRING_EDGES) }, { weight: 1, arbitrary: fc.string({ maxLength: 4 }) });
    case 'number':
      return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...NUMBER_EDGES) }, { weight: 1, arbitrary: fc.integer() }, { weight: 1, arbitrary: fc.double() });
    case 'boolean':
      return fc.boolean();
    case 'enum':
      return fc.constantFrom(...schema._zod.values!, 'OTHER');
    case 'nullable':
      return fc.oneof(fc.constant(null), fc.constant(undefined), near(inner('innerType'), depth));
    case 'optional':
      return fc.oneof(fc.constant(undefined), fc.constant(null), near(inner('innerType'), depth));
    case 'array':
      if (depth >= MAX_DEPTH) return fc.constant([]);
      // Sometimes with holes, which zod's copy fills.
      return fc.oneof({ weight: 6, arbitrary: fc.array(near(inner('element'), depth + 1), { maxLength: 3 }) }, { weight: 1, arbitrary: fc.sparseArray(near(inner('element'), depth + 1), { maxLength: 3 }) });
    case 'object':
      return objectNear(def.shape as Record<string, Internals>, depth);
    case 'union':
      return fc.oneof(...(def.options as Internals[]).map((option) => near(option, depth)));
    case 'pipe':
      return near(inner('in'), depth);
    case 'lazy':
      return near(schema._zod.innerType!, depth);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Each field present (sometimes absent), sometimes extra keys; sometimes through JSON, as an upstream's body arrives. */
function objectNear(shape: Record<string, Internals>, depth: number): fc.Arbitrary<unknown> {
  const fields = Object.entries(shape).map(([key, field]) => fc.option(near(field, depth).map((value) => [key, value] as const), { nil: undefined, freq: 8 }));
  const extras = fc.array(fc.tuple(fc.constantFrom(...EXTRA_KEYS), fc.jsonValue({ maxDepth: 1 })), { maxLength: 2 });
  const kind = fc.constantFrom('plain', 'plain', 'plain', 'json', 'json', 'json', 'null-prototype');
  return fc.tuple(fc.tuple(...fields), fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: extras }), kind).map(([present, extra, made]) => {
    const object: Record<string, unknown> = made === 'null-prototype' ? (Object.create(null) as Record<string, unknown>) : {};
    // defineProperty, not assignment: an own `__proto__` key, as JSON.parse makes it.
    for (const [key, value] of [...present.filter((entry) => entry !== undefined), ...extra]) Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
    return made === 'json' ? (JSON.parse(JSON.stringify(object)) as unknown) : object;
  });
}

describe('the check-only path agrees with zod on every schema a source uses', () => {
  it.each(SCHEMAS)('%s: same verdict, same data, same issues; the raw value handed on only when it is exactly zod’s data', (_name, schema, _keyField, asIs) => {
    let handedOn = 0;
    let rejected = 0;
    fc.assert(
      fc.property(near(schema as unknown as Internals, 0), (value) => {
        const expected = schema.safeParse(value);
        // Both ways round: handed on as is exactly when zod accepts it and its data is the value itself.
        expect(passesAsIs(schema, value)).toBe(expected.success && isDeepStrictEqual(expected.data, value));
        const lean = checkedParse(schema, value);
        expect(lean.success).toBe(expected.success);
        if (!lean.success) {
          rejected += 1;
          expect(lean.error.issues).toEqual(expected.error!.issues);
          return;
        }
        expect(lean.data).toStrictEqual(expected.data);
        if (typeof lean.data === 'object' && lean.data !== null) expect(Object.getPrototypeOf(lean.data)).toBe(Object.getPrototypeOf(expected.data));
        if (lean.data === value) handedOn += 1;
      }),
      { numRuns: 2000 },
    );
    // Both ways are taken: the fast path is used, and bad values reach zod's messages.
    if (asIs === false) expect(handedOn).toBe(0);
    else expect(handedOn).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(0);
  });
});

describe('what is handed on', () => {
  const price = { productId: 'p-0001', amount: 1999, currency: 'USD' };

  it('a good item is handed on as is (no copy); the bounds, the regex and the refine still reject', () => {
    const schema = priceIn('USD');
    expect(checkedParse(schema, price)).toEqual({ success: true, data: price });
    expect(checkedParse(schema, price).data).toBe(price);
    for (const amount of [0, 2 ** 31 - 1]) expect(passesAsIs(schema, { ...price, amount })).toBe(true);
    for (const average of [0, 5]) expect(passesAsIs(reviewsItemSchema, { productId: 'p-0001', average, count: 0 })).toBe(true);
    expect(passesAsIs(schema, { ...price, amount: 2 ** 31 })).toBe(false);
    expect(passesAsIs(schema, { ...price, amount: -1 })).toBe(false);
    expect(passesAsIs(schema, { ...price, amount: 19.5 })).toBe(false);
    expect(passesAsIs(schema, { ...price, currency: 'usd' })).toBe(false);
    expect(passesAsIs(schema, { ...price, currency: 'EUR' })).toBe(false);
    expect(checkedParse(schema, { ...price, currency: 'EUR' }).error?.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`)).toEqual(['currency not in USD']);
  });

  it('an item with keys the schema lacks gets zod’s stripped copy: no unchecked field reaches a resolver or the stale cache', () => {
    const withExtra = { ...price, note: 'x'.repeat(1000) };
    const parsed = checkedParse(priceIn('USD'), withExtra);
    expect(parsed.data).not.toBe(withExtra);
    expect(parsed.data).toStrictEqual(price);
    const withProto = JSON.parse('{"productId":"p-0001","amount":1999,"currency":"USD","__proto__":{"admin":true}}') as object;
    const stripped = checkedParse(priceIn('USD'), withProto).data!;
    expect(stripped).toStrictEqual(price);
    expect(Object.getPrototypeOf(stripped)).toBe(Object.prototype);
    expect((stripped as Record<string, unknown>).admin).toBeUndefined();
  });

  it('a declared nullable field: present or null is handed on as is; absent gets zod’s null', () => {
    const estimate = loadDeclarations(readTypeDefs(), RESOLVED_FIELDS).find((declaration) => declaration.coordinate === 'Product.shipping')!;
    const schema = declaredAnswerSchema(estimate, { currency: 'USD' });
    const known = { days: 3, costCents: 499, carrier: 'UPS' };
    const unknown = { days: 3, costCents: 499, carrier: null };
    expect(checkedParse(schema, known).data).toBe(known);
    expect(checkedParse(schema, unknown).data).toBe(unknown);
    const absent = { days: 3, costCents: 499 };
    expect(checkedParse(schema, absent).data).toStrictEqual({ days: 3, costCents: 499, carrier: null });
    expect(checkedParse(schema, absent).data).not.toBe(absent);
    // productId is not a field of ShippingEstimate: an item carrying it gets zod's stripped copy.
    const keyed = { productId: 'p-0001', ...known };
    expect(passesAsIs(schema, keyed)).toBe(false);
    expect(checkedParse(schema, keyed).data).toStrictEqual(known);
  });
});

/** zod's verdict and data, and the check-only path's, for one value. */
function bothOn(schema: z.ZodType, value: unknown) {
  return { zod: schema.safeParse(value), lean: checkedParse(schema, value), asIs: passesAsIs(schema, value) };
}

describe('zod semantics the sources’ schemas do not reach, on small schemas of their own', () => {
  it('a bare number: infinities and NaN are refused, as zod refuses them', () => {
    for (const value of [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN]) expect(bothOn(z.number(), value)).toMatchObject({ asIs: false, lean: { success: false }, zod: { success: false } });
    expect(bothOn(z.number(), 2.5).asIs).toBe(true);
  });

  it('a regex is applied', () => {
    const schema = z.string().regex(/^[A-Z]{3}$/);
    expect(bothOn(schema, 'usd')).toMatchObject({ asIs: false, lean: { success: false } });
    expect(bothOn(schema, 'USD').asIs).toBe(true);
  });

  it('an array with a named property (which JSON.parse never makes) is outside the contract: only its elements are checked', () => {
    // Upstream bodies are JSON.parse output (src/http/upstream-client.ts); looking for named
    // properties would cost a string per index (a million ids: ~400 ms against zod's ~45).
    const named = Object.assign(['a'], { extra: 1 });
    expect(bothOn(z.array(z.string()), named).asIs).toBe(true);
    expect(bothOn(z.array(z.string()), Object.assign([1], { extra: 'a' })).asIs).toBe(false);
  });

  it('a union takes its first accepting option: an earlier option that transforms leaves the value to zod', () => {
    const schema = z.union([z.number().transform((value) => value * 2), z.number()]);
    expect(bothOn(schema, 4)).toMatchObject({ asIs: false, lean: { success: true, data: 8 }, zod: { data: 8 } });
  });

  it('a key the prototype has (`constructor`) is read as zod reads it, never taken from the prototype as the item’s own', () => {
    const schema = z.object({ constructor: z.unknown() });
    const inherited = bothOn(schema, {});
    expect(inherited.asIs).toBe(false);
    expect(inherited.lean).toEqual(inherited.zod);
    expect(Object.hasOwn(inherited.lean.data as object, 'constructor')).toBe(true);
    expect(bothOn(schema, JSON.parse('{"constructor":1}')).asIs).toBe(true);
  });

  it('a check that changes the value (not only reports) leaves the value to zod', () => {
    const schema = z.string().check((payload) => {
      payload.value = (payload.value as string).toUpperCase();
    });
    expect(bothOn(schema, 'usd')).toMatchObject({ asIs: false, lean: { success: true, data: 'USD' } });
  });

  it('an async refinement is left to zod (whose safeParse refuses it)', () => {
    const schema = z.string().refine(async () => Promise.resolve(true));
    expect(passesAsIs(schema, 'a')).toBe(false);
    expect(() => schema.safeParse('a')).toThrow();
  });

  it('checks it does not know (trim, a default, a strict object) leave the whole schema to zod', () => {
    expect(bothOn(z.string().trim(), ' a ')).toMatchObject({ asIs: false, lean: { data: 'a' } });
    expect(bothOn(z.object({ a: z.string().default('x') }), {})).toMatchObject({ asIs: false, lean: { data: { a: 'x' } } });
    expect(bothOn(z.strictObject({ a: z.string() }), { a: 'x', b: 1 })).toMatchObject({ asIs: false, lean: { success: false } });
  });

  // A hostile review's findings (ninth session): each failed before its fix in src/sources/item-check.ts.
  it('a codec (a pipe with a decode step) is zod’s to run: its output is not its input', () => {
    const upper = z.codec(z.string(), z.string(), { decode: (text) => text.toUpperCase(), encode: (text) => text.toLowerCase() });
    expect(bothOn(upper, 'abc')).toMatchObject({ asIs: false, lean: { data: 'ABC' }, zod: { data: 'ABC' } });
    expect(bothOn(z.object({ a: upper }), { a: 'abc' })).toMatchObject({ asIs: false, lean: { data: { a: 'ABC' } } });
    expect(bothOn(z.union([z.stringbool(), z.string()]), 'true')).toMatchObject({ asIs: false, lean: { data: true } });
  });

  it('a schema that refers to itself through a getter compiles (zod decides at the inner reference) instead of overflowing the stack', () => {
    const node: z.ZodType = z.object({
      id: z.string(),
      get children() {
        return z.array(node);
      },
    });
    const tree = { id: 'a', children: [{ id: 'b', children: [] }] };
    expect(checkedParse(node, tree)).toEqual(node.safeParse(tree));
    expect(checkedParse(node, { id: 1, children: [] }).success).toBe(false);
  });

  it('an array with a hole is zod’s to copy (undefined in its place), also with a named property beside it; a long array is walked without a string per index', () => {
    // eslint-disable-next-line no-sparse-arrays -- the hole is the case under test
    const holed = ['a', , 'c'] as unknown[];
    (holed as unknown as Record<string, unknown>).extra = 1;
    expect(bothOn(z.array(z.string().optional()), holed)).toMatchObject({ asIs: false, lean: { data: ['a', undefined, 'c'] } });
    expect(bothOn(z.array(z.unknown()), holed).asIs).toBe(false);
    const ids = Array.from({ length: 100_000 }, (_, index) => `p-${index}`);
    expect(checkedParse(z.array(z.string()), ids).data).toBe(ids);
  });

  it('a required unknown present as undefined is zod’s to judge inside a union, not a sure failure', () => {
    const upper = z.string().transform((text) => text.toUpperCase());
    const schema = z.union([z.object({ a: z.unknown(), b: upper }), z.object({ a: z.unknown().optional(), b: z.string() })]);
    expect(bothOn(schema, { a: undefined, b: 'x' })).toMatchObject({ asIs: false, lean: { data: { b: 'X' } }, zod: { data: { b: 'X' } } });
  });

  it('optional over a schema that fills in a default (even behind z.lazy): undefined gets the default, as zod gives it', () => {
    const schema = z.lazy(() => z.string().default('x')).optional();
    expect(bothOn(schema, undefined)).toMatchObject({ asIs: false, lean: { data: 'x' }, zod: { data: 'x' } });
    expect(bothOn(z.array(schema), [undefined])).toMatchObject({ asIs: false, lean: { data: ['x'] } });
  });
});

/**
 * Lenient mutants of the checker (ninth session's mutation run, docs/testing.md): each case is one
 * where a one-line slip would say "pass as is" while zod rejects or changes the value. A wrong
 * "fails" inside a union is as bad as a wrong "passes": the union then takes a later option.
 */
describe('no value zod rejects or changes is handed on as is', () => {
  /** Handed on only when zod accepts the value unchanged; otherwise exactly zod's answer. */
  function expectZodsAnswer(schema: z.ZodType, value: unknown) {
    const { zod, lean, asIs } = bothOn(schema, value);
    expect(asIs).toBe(false);
    expect(lean).toEqual(zod);
  }

  it('a schema that is itself a check (z.email(), z.int()) or exact-optional is zod’s to run', () => {
    expectZodsAnswer(z.email(), 'not-an-email');
    expectZodsAnswer(z.int(), 1.5);
    expect(bothOn(z.object({ a: z.string().exactOptional() }), { a: undefined })).toMatchObject({ asIs: false, zod: { success: false }, lean: { success: false } });
  });

  it('a coercing option of a union is not skipped: zod’s coerced value is served', () => {
    expect(bothOn(z.union([z.coerce.number(), z.string()]), '5')).toMatchObject({ asIs: false, lean: { success: true, data: 5 }, zod: { data: 5 } });
  });

  it('a value of the wrong type fails even when the bound or regex after it would hold', () => {
    expectZodsAnswer(z.number().min(0), '5');
    expectZodsAnswer(z.string().regex(/.*/), 5);
  });

  it('an exclusive bound excludes its edge; multipleOf is not taken for int()', () => {
    expectZodsAnswer(z.number().gt(0), 0);
    expectZodsAnswer(z.number().lt(0), 0);
    expect(bothOn(z.number().gte(0), 0).asIs).toBe(true);
    expectZodsAnswer(z.number().multipleOf(2), 3);
  });

  it('a sticky regex starts at 0 for every value, as zod starts it', () => {
    const schema = z.string().regex(/a/y);
    expect(passesAsIs(schema, 'a')).toBe(true);
    // Straight after a match (zod would reset `lastIndex` itself, so it must not run in between).
    expect(passesAsIs(schema, 'ba')).toBe(false);
    expectZodsAnswer(schema, 'ba');
  });

  // zod runs a check only when its `when` says so; the bound checks' parameter type omits it, but zod reads it.
  const skippedCheck = { when: () => false };

  it('a check skipped by its `when` does not fail its option, so a union keeps zod’s first accepting option', () => {
    const bound = z.union([z.object({ a: z.number().gt(5, skippedCheck as { message?: string }) }), z.object({ a: z.number(), c: z.number() })]);
    expect(bothOn(bound, { a: 1, c: 2 })).toMatchObject({ asIs: false, lean: { data: { a: 1 } }, zod: { data: { a: 1 } } });
    const refined = z.union([z.object({ a: z.string().refine(() => false, { when: () => false }) }), z.object({ a: z.string(), c: z.number() })]);
    expect(bothOn(refined, { a: 'x', c: 1 })).toMatchObject({ asIs: false, lean: { data: { a: 'x' } }, zod: { data: { a: 'x' } } });
  });

  it('an absent key that zod fills with null is not a failure of its option', () => {
    const schema = z.union([z.object({ a: z.string().nullish().transform(absentAsNull) }), z.object({})]);
    expect(bothOn(schema, {})).toMatchObject({ asIs: false, lean: { data: { a: null } }, zod: { data: { a: null } } });
  });

  it('an exclusive union (z.xor) with two matching options is zod’s to refuse', () => {
    expect(bothOn(z.xor([z.string(), z.string()]), 'a')).toMatchObject({ asIs: false, zod: { success: false }, lean: { success: false } });
  });

  it('a shape with a `__proto__` or symbol key, a pipe with a side zod must run, an array of another class: zod’s answer', () => {
    expectZodsAnswer(z.object({ ['__proto__']: z.string() }), JSON.parse('{"__proto__":"x"}'));
    const key = Symbol('key');
    expectZodsAnswer(z.object({ a: z.string(), [key]: z.string() }), { a: 'x' });
    expectZodsAnswer(z.string().pipe(z.string().trim()), ' a ');
    expectZodsAnswer(z.string().trim().pipe(z.string()), ' a ');
    class Strings extends Array<string> {}
    expectZodsAnswer(z.array(z.string()), Strings.from(['a']));
  });

  it('a refinement that throws is zod’s to run (zod throws to the caller), never taken as passed', () => {
    const schema = z.string().refine(() => {
      throw new Error('refinement failed to run');
    });
    expect(passesAsIs(schema, 'a')).toBe(false);
    expect(() => checkedParse(schema, 'a')).toThrow('refinement failed to run');
  });
});

/**
 * The tenth session's mutation run (docs/testing.md): slips that would not serve a wrong value but
 * would throw instead of answering, or leave to zod (a copy per item) what passes as is.
 */
describe('the fast path is taken where zod accepts unchanged, and a type it does not know never throws', () => {
  it('a check over a type the checker does not know (bigint) is zod’s to run, accepting and refusing', () => {
    const schema = z.bigint().gt(0n);
    expect(bothOn(schema, 1n)).toEqual({ asIs: false, lean: { success: true, data: 1n }, zod: { success: true, data: 1n } });
    const refused = bothOn(schema, 0n);
    expect(refused.asIs).toBe(false);
    expect(refused.lean).toEqual(refused.zod);
    expect(refused.lean.error!.issues.map((issue) => issue.code)).toEqual(['too_small']);
  });

  it('a union passes as is through a later option when the earlier ones fail', () => {
    expect(bothOn(z.union([z.number(), z.string()]), 'a')).toEqual({ asIs: true, lean: { success: true, data: 'a' }, zod: { success: true, data: 'a' } });
    const value = { b: 'x' };
    const objects = z.union([z.object({ a: z.string() }), z.object({ b: z.string() })]);
    expect(bothOn(objects, value)).toMatchObject({ asIs: true, zod: { success: true, data: { b: 'x' } } });
    expect(checkedParse(objects, value).data).toBe(value);
  });

  it('z.lazy over a type the checker knows passes as is; over one it does not, zod answers', () => {
    expect(bothOn(z.lazy(() => z.string()), 'a')).toEqual({ asIs: true, lean: { success: true, data: 'a' }, zod: { success: true, data: 'a' } });
    expect(bothOn(z.lazy(() => z.string()), 1).asIs).toBe(false);
    expect(bothOn(z.lazy(() => z.bigint()), 2n)).toEqual({ asIs: false, lean: { success: true, data: 2n }, zod: { success: true, data: 2n } });
  });

  it('every reporting check zod runs, held, passes as is (each one is compiled, none sends the schema to zod)', () => {
    const held: [z.ZodType, unknown][] = [
      [z.number().gt(1).lt(5), 3],
      [z.number().multipleOf(2), 4],
      [z.number().int(), 7],
      [z.string().min(1).max(3), 'ab'],
      [z.string().length(2), 'ab'],
      [z.string().regex(/^a/), 'ab'],
      [z.string().startsWith('a'), 'ab'],
      [z.string().refine((text) => text === 'ab'), 'ab'],
    ];
    for (const [schema, value] of held) expect({ schema: schema._zod.def.checks!.map((check) => check._zod.def.check), ...bothOn(schema, value) }).toMatchObject({ asIs: true, zod: { success: true, data: value } });
  });

  it('z.any() and z.unknown() pass anything as is; null over a schema with a default (behind z.lazy) passes as is', () => {
    const value = { a: [1] };
    for (const schema of [z.any(), z.unknown()]) expect(bothOn(schema, value)).toEqual({ asIs: true, lean: { success: true, data: value }, zod: { success: true, data: value } });
    expect(bothOn(z.lazy(() => z.string().default('x')).nullable(), null)).toEqual({ asIs: true, lean: { success: true, data: null }, zod: { success: true, data: null } });
  });

  it('optional passes undefined as is, alone and as an array element', () => {
    expect(bothOn(z.string().optional(), undefined)).toEqual({ asIs: true, lean: { success: true, data: undefined }, zod: { success: true, data: undefined } });
    expect(bothOn(z.array(z.string().optional()), [undefined, 'a']).asIs).toBe(true);
  });

  it('a check that rewrites the value in place (an overwrite that sorts) is never run on the upstream’s own value', () => {
    const schema = z.array(z.string()).overwrite((list) => list.sort());
    const raw = ['b', 'a'];
    expect(bothOn(schema, raw)).toEqual({ asIs: false, lean: { success: true, data: ['a', 'b'] }, zod: { success: true, data: ['a', 'b'] } });
    expect(raw).toEqual(['b', 'a']);
  });

  it('nullable or optional over a type the checker does not know is zod’s to run (no throw)', () => {
    for (const schema of [z.bigint().nullable(), z.bigint().optional()]) expect(bothOn(schema, 3n)).toEqual({ asIs: false, lean: { success: true, data: 3n }, zod: { success: true, data: 3n } });
  });
});

/**
 * Lenient mutants found by the tenth session's mutation run (docs/testing.md): each value here is
 * one zod rejects, or accepts through an earlier union option that changes it, while the slip
 * would hand it on as is.
 */
describe('no value zod rejects or changes is handed on as is (tenth session)', () => {
  function expectZodsAnswer(schema: z.ZodType, value: unknown) {
    const { zod, lean, asIs } = bothOn(schema, value);
    expect(asIs).toBe(false);
    expect(lean).toEqual(zod);
  }

  it('an exclusive bound that holds does not fail its union option: zod’s stripped copy from that option is served', () => {
    const above = z.union([z.object({ a: z.number().gt(0) }), z.object({ a: z.number(), b: z.number() })]);
    expect(bothOn(above, { a: 5, b: 1 })).toMatchObject({ asIs: false, lean: { success: true, data: { a: 5 } }, zod: { data: { a: 5 } } });
    const below = z.union([z.object({ a: z.number().lt(9) }), z.object({ a: z.number(), b: z.number() })]);
    expect(bothOn(below, { a: 5, b: 1 })).toMatchObject({ asIs: false, lean: { success: true, data: { a: 5 } }, zod: { data: { a: 5 } } });
  });

  it('a check with a number in it (multipleOf) is not taken for a bound; a number format other than int() is not taken for int()', () => {
    expectZodsAnswer(z.number().multipleOf(2), 1);
    expect(bothOn(z.number().multipleOf(2), 1).zod.success).toBe(false);
    expectZodsAnswer(z.number().check(z.int32()), 2 ** 31);
    expect(bothOn(z.number().check(z.int32()), 2 ** 31).zod.success).toBe(false);
  });

  it('a string format with a pattern and more (base64) is zod’s to run, not its pattern alone', () => {
    expectZodsAnswer(z.string().base64(), 'a');
    expect(bothOn(z.string().base64(), 'a').zod.success).toBe(false);
  });

  it('an absent key whose schema is optional only on its way out (a pipe into optional) fails, as zod fails it', () => {
    // The pipe's typing wants the out side's input to be the in side's output exactly; zod runs it as built.
    const optionalOut = z.string().optional() as unknown as z.ZodType<string | undefined, string>;
    const schema = z.object({ a: z.string().pipe(optionalOut) });
    expectZodsAnswer(schema, {});
    expect(bothOn(schema, {}).zod.success).toBe(false);
    expect(bothOn(schema, { a: 'x' }).asIs).toBe(true);
  });

  it('an absent required z.unknown() key fails, as zod fails it', () => {
    expectZodsAnswer(z.object({ a: z.unknown() }), {});
    expect(bothOn(z.object({ a: z.unknown() }), {}).zod.success).toBe(false);
  });
});
