import type { z } from 'zod';

// A check-only path for the zod schemas of upstream answers: zod's `safeParse` returns a copy of
// every object it checks, and that copy was the largest allocation per request. This walks the
// schema's definition once, builds a checker that reads the raw value without copying, and hands
// the raw value on only when zod would accept it AND zod's `data` would deep-equal it. Anything
// the checker does not know, or any doubt, goes to zod itself, so accepted values, error messages
// and the stripped shape stay exactly zod's (docs/architecture.md, "Item checks without copies").
// The values it is given are JSON.parse output (every upstream body, src/http/upstream-client.ts):
// a named property on an array, which JSON cannot make, is not looked for.
// It reads zod 4's internals (`schema._zod`), so package.json pins zod to one minor: an upgrade is a
// deliberate step, and test/sources/item-check.property.test.ts compares both paths on every schema.

/** zod accepts the value and its `data` deep-equals the value itself. */
const PASS = 0;
/** zod rejects the value (zod runs again to word the error). */
const FAIL = 1;
/** Not known without zod (a transform, an extra key to strip, an unusual object): zod decides. */
const UNSURE = 2;
type Verdict = typeof PASS | typeof FAIL | typeof UNSURE;
type Checker = (value: unknown) => Verdict;

/** The parts of zod 4's schema internals (`schema._zod`) the checker reads. */
interface ZodCheckInternals {
  _zod: {
    def: { check?: string; when?: (payload: CheckPayload) => boolean; value?: unknown; inclusive?: boolean; format?: string; pattern?: unknown };
    /** Absent on a bare check (`.check(fn)`, `superRefine`). */
    traits?: Set<string>;
    check: (payload: CheckPayload) => unknown;
  };
}
interface ZodInternals {
  _zod: {
    def: {
      type: string;
      checks?: ZodCheckInternals[];
      coerce?: boolean;
      shape?: Record<string, ZodInternals>;
      catchall?: unknown;
      element?: ZodInternals;
      innerType?: ZodInternals;
      options?: ZodInternals[];
      discriminator?: unknown;
      inclusive?: boolean;
      in?: ZodInternals;
      out?: ZodInternals;
      transform?: unknown;
    };
    traits: Set<string>;
    optin?: string;
    optout?: string;
    values?: Set<unknown>;
    innerType?: ZodInternals;
  };
}
interface CheckPayload {
  value: unknown;
  issues: unknown[];
}

/**
 * The declared sources' null wrapper (`.nullish().transform(absentAsNull)`): known by identity
 * here, so a present value or null passes as is; only an absent one needs zod's `null` put in.
 */
export function absentAsNull<T>(value: T | null | undefined): T | null {
  return value ?? null;
}

/**
 * zod would accept `value` and its `data` would deep-equal `value`: the raw value may be handed on.
 */
export function passesAsIs(schema: z.ZodType, value: unknown): boolean {
  return asIsCheck(schema)(value);
}

/** `passesAsIs` for one schema, looked up once (a batch looks it up once for all its items). */
export type AsIsCheck = (value: unknown) => boolean;

const asIsChecks = new WeakMap<z.ZodType, AsIsCheck>();
const NEVER_AS_IS: AsIsCheck = () => false;

export function asIsCheck(schema: z.ZodType): AsIsCheck {
  let check = asIsChecks.get(schema);
  if (check === undefined) {
    const checker = checkerOf(schema as unknown as ZodInternals);
    check = checker === null ? NEVER_AS_IS : (value) => checker(value) === PASS;
    asIsChecks.set(schema, check);
  }
  return check;
}

/** zod's `safeParse`, without the copy when the value passes as is. */
export function checkedParse<T>(schema: z.ZodType<T>, value: unknown): z.ZodSafeParseResult<T> {
  return passesAsIs(schema, value) ? { success: true, data: value as T } : schema.safeParse(value);
}

/** Compiled once per schema; `null` marks a schema the checker does not know (zod checks it). */
const checkers = new WeakMap<ZodInternals, Checker | null>();

function checkerOf(schema: ZodInternals): Checker | null {
  let checker = checkers.get(schema);
  if (checker === undefined) {
    // Marked unknown while it compiles: a schema that refers to itself (through a getter) then
    // compiles to "zod decides" at the inner reference instead of recursing without end.
    checkers.set(schema, null);
    checker = compile(schema);
    checkers.set(schema, checker);
  }
  return checker;
}

/** Checks that only report issues; `overwrite` (trim, lower case) changes the value, so it is not among them. */
const REPORTING_CHECKS = new Set(['less_than', 'greater_than', 'multiple_of', 'number_format', 'min_length', 'max_length', 'length_equals', 'string_format', 'custom']);

function compile(schema: ZodInternals): Checker | null {
  const zod = schema._zod;
  // A schema that is itself a check (`z.email()`, `z.int()`) or coerces is left to zod.
  if (zod.def.coerce || zod.traits.has('$ZodCheck') || zod.traits.has('$ZodExactOptional')) return null;
  const checks = zod.def.checks ?? [];
  if (!checks.every((check) => REPORTING_CHECKS.has(check._zod.def.check ?? ''))) return null;
  const base = compileType(schema);
  if (base === null || checks.length === 0) return base;
  // Every check must pass for PASS, so their order does not change a verdict: plain comparisons first.
  const direct = checks.map(directPredicate);
  const predicates = direct.filter((predicate): predicate is Predicate => predicate !== null);
  const others = checks.filter((_check, index) => direct[index] === null);
  return (value) => {
    const verdict = base(value);
    if (verdict !== PASS) return verdict;
    for (const predicate of predicates) if (!predicate(value)) return FAIL;
    return others.length === 0 ? PASS : checksVerdict(others, value);
  };
}

type Predicate = (value: unknown) => boolean;

/**
 * The checks zod runs as one comparison (a bound, `int()`, a regex), compiled to that same
 * comparison: no payload to allocate, no call into zod. Any other check runs zod's own code.
 */
function directPredicate(check: ZodCheckInternals): Predicate | null {
  const { def, traits } = check._zod;
  if (def.when || !traits) return null;
  const bound = def.value;
  if (traits.has('$ZodCheckGreaterThan') && typeof bound === 'number') return def.inclusive ? (value) => (value as number) >= bound : (value) => (value as number) > bound;
  if (traits.has('$ZodCheckLessThan') && typeof bound === 'number') return def.inclusive ? (value) => (value as number) <= bound : (value) => (value as number) < bound;
  // `int()`: an integer within the safe range, which is what `isSafeInteger` means.
  if (traits.has('$ZodCheckNumberFormat') && def.format === 'safeint') return (value) => Number.isSafeInteger(value);
  const pattern = def.pattern;
  if (traits.has('$ZodCheckRegex') && pattern instanceof RegExp) {
    return (value) => {
      pattern.lastIndex = 0;
      return pattern.test(value as string);
    };
  }
  return null;
}

function compileType(schema: ZodInternals): Checker | null {
  const { def } = schema._zod;
  switch (def.type) {
    case 'string':
      return (value) => (typeof value === 'string' ? PASS : FAIL);
    case 'number':
      return (value) => (typeof value === 'number' && Number.isFinite(value) ? PASS : FAIL);
    case 'boolean':
      return (value) => (typeof value === 'boolean' ? PASS : FAIL);
    case 'unknown':
    case 'any':
      return () => PASS;
    case 'enum':
      return enumChecker(schema._zod.values);
    case 'nullable':
      return wrapperChecker(def.innerType, null);
    case 'optional':
      return wrapperChecker(def.innerType, undefined);
    case 'array':
      return def.element ? arrayChecker(def.element) : null;
    case 'object':
      return def.catchall === undefined && def.shape ? objectChecker(def.shape) : null;
    case 'union':
      return def.discriminator === undefined && def.inclusive !== false && def.options ? unionChecker(def.options) : null;
    case 'pipe':
      // A codec is a pipe with a decode step (`transform`): its output is not its input.
      return def.in && def.out && def.transform === undefined ? pipeChecker(def.in, def.out) : null;
    case 'transform':
      // A transform's output is only known for `absentAsNull`, which keeps anything but undefined.
      return def.transform === absentAsNull ? (value) => (value === undefined ? UNSURE : PASS) : () => UNSURE;
    case 'lazy':
      return lazyChecker(schema);
    default:
      return null;
  }
}

function enumChecker(values: Set<unknown> | undefined): Checker | null {
  if (!values) return null;
  return (value) => (values.has(value) ? PASS : FAIL);
}

/** `nullable` lets null through as is, `optional` undefined; anything else is the inner schema's. */
function wrapperChecker(innerType: ZodInternals | undefined, passed: null | undefined): Checker | null {
  const inner = innerType ? checkerOf(innerType) : null;
  if (inner === null) return null;
  // An inner schema that fills in a default for undefined (`optin` "defaulted", even behind `z.lazy`) changes it: zod decides.
  const defaulted = passed === undefined && innerType!._zod.optin === 'defaulted';
  return (value) => (value === passed && !defaulted ? PASS : inner(value));
}

function arrayChecker(element: ZodInternals): Checker | null {
  const item = checkerOf(element);
  if (item === null) return null;
  return (value) => {
    if (!Array.isArray(value)) return FAIL;
    // zod's copy has no holes: an array with one is not equal to it. (Counting keys with `for…in`
    // instead made a string per index: a million ids took ~400 ms against zod's ~45.) Named
    // properties on an array, which zod's copy also lacks, cannot come from JSON.parse.
    if (Object.getPrototypeOf(value) !== Array.prototype) return UNSURE;
    const entries = value as unknown[];
    for (let index = 0; index < entries.length; index++) {
      if (!(index in entries)) return UNSURE;
      const verdict = item(entries[index]);
      if (verdict !== PASS) return verdict;
    }
    return PASS;
  };
}

interface FieldCheck {
  key: string;
  check: Checker;
  /** zod leaves an absent key out of its copy (`optional`). */
  omittable: boolean;
  /** zod fails an absent key. */
  required: boolean;
  /** A name `Object.prototype` has (`toString`): the value read may be inherited, so ownership is checked. */
  inheritable: boolean;
}

/**
 * zod's `z.object` strips keys it does not know. An object with such keys is not handed on as is:
 * zod's stripped copy is, so an unchecked upstream field never reaches a resolver or the stale
 * cache (docs/architecture.md).
 */
function objectChecker(shape: Record<string, ZodInternals>): Checker | null {
  const keys = Object.keys(shape);
  if (Object.getOwnPropertySymbols(shape).length > 0 || keys.includes('__proto__')) return null;
  const fields: FieldCheck[] = [];
  for (const key of keys) {
    const field = shape[key]!;
    const check = checkerOf(field);
    if (check === null) return null;
    const { optin, optout } = field._zod;
    fields.push({ key, check, omittable: optin === 'optional' && optout === 'optional', required: optin === undefined, inheritable: key in Object.prototype });
  }
  const known = new Set(keys);
  return (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return FAIL;
    if (Object.getPrototypeOf(value) !== Object.prototype) return UNSURE;
    const record = value as Record<string, unknown>;
    for (const field of fields) {
      const verdict = fieldVerdict(record, field);
      if (verdict !== PASS) return verdict;
    }
    for (const key in record) if (!known.has(key)) return UNSURE;
    return PASS;
  };
}

function fieldVerdict(record: Record<string, unknown>, field: FieldCheck): Verdict {
  const value = record[field.key];
  if (value === undefined) {
    // Absent (or present as undefined, which zod's copy keeps as such, and which a required
    // `z.unknown()` accepts: only an absent required key is sure to fail).
    if (field.omittable) return PASS;
    return field.required && !(field.key in record) ? FAIL : UNSURE;
  }
  if (field.inheritable && !Object.hasOwn(record, field.key)) return UNSURE;
  return field.check(value);
}

/** zod takes the first option that accepts: an option in doubt leaves the whole union in doubt. */
function unionChecker(options: ZodInternals[]): Checker | null {
  const checks = options.map(checkerOf);
  if (checks.some((check) => check === null)) return null;
  return (value) => {
    for (const check of checks as Checker[]) {
      const verdict = check(value);
      if (verdict !== FAIL) return verdict;
    }
    return FAIL;
  };
}

/** A pipe feeds `out` what `in` made; when `in` passes as is, that is the value itself. */
function pipeChecker(inSchema: ZodInternals, outSchema: ZodInternals): Checker | null {
  const first = checkerOf(inSchema);
  const second = checkerOf(outSchema);
  if (first === null || second === null) return null;
  return (value) => {
    const verdict = first(value);
    return verdict === PASS ? second(value) : verdict;
  };
}

/** A recursive type refers to itself lazily: its checker is built on first use, not while compiling. */
function lazyChecker(schema: ZodInternals): Checker {
  let inner: Checker | null | undefined;
  return (value) => {
    if (inner === undefined) inner = schema._zod.innerType ? checkerOf(schema._zod.innerType) : null;
    return inner === null ? UNSURE : inner(value);
  };
}

/**
 * zod's own check functions (bounds, int, regex, refine), run on the raw value in zod's order:
 * the same code decides, so nothing about them is re-implemented here.
 */
function checksVerdict(checks: readonly ZodCheckInternals[], value: unknown): Verdict {
  // One payload reused while no check is running (a refinement may check another value inside).
  const payload = sparePayload ?? { value, issues: [] };
  sparePayload = undefined;
  payload.value = value;
  try {
    for (const check of checks) {
      const when = check._zod.def.when;
      if (when && !when(payload)) continue;
      if (check._zod.check(payload) instanceof Promise) return UNSURE;
      if (payload.issues.length > 0) return FAIL;
      if (payload.value !== value) return UNSURE;
    }
  } catch {
    // A refinement that throws on this value: zod's own run decides what happens.
    return UNSURE;
  } finally {
    payload.issues.length = 0;
    payload.value = undefined;
    sparePayload = payload;
  }
  return PASS;
}

let sparePayload: CheckPayload | undefined;
