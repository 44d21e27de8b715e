import { buildASTSchema, concatAST, GraphQLNonNull, getDirectiveValues, getNamedType, getNullableType, isListType, isNonNullType, isObjectType, isScalarType, parse } from 'graphql';
import type { GraphQLDirective, GraphQLField, GraphQLObjectType, GraphQLOutputType, GraphQLSchema } from 'graphql';
import type { z } from 'zod';
import { SOURCE_NAMES } from '../sources/names.js';
import { schemaOfType, UncheckableTypeError } from './item-schema.js';
import { parsePairs } from './gateway-values.js';
import type { Pair } from './gateway-values.js';
import { ALL_SOURCE_NAMES, DECLARED_NAME } from './names.js';

/** A bad `@rest` / `@fallback` declaration: Ballast refuses to start (or to reload) with this one line. */
export class DeclarationError extends Error {
  override name = 'DeclarationError';
}

/** One field served by a REST call, as `@rest` declares it (docs/adding-a-data-source.md). */
export interface RestDeclaration {
  /** `Type.field`: the operation's name, unique by construction. */
  coordinate: string;
  typeName: string;
  fieldName: string;
  source: string;
  /** Path with `{name}` placeholders, e.g. `/estimates/{id}` or `/estimates`. */
  path: string;
  /** Batch mode: the query parameter carrying the comma-separated keys. */
  batchKey: string | undefined;
  /** Batch mode: the item field matching each item back to its key. */
  keyField: string | undefined;
  /** One-per-key mode without a placeholder: the query parameter carrying the key. */
  keyParam: string | undefined;
  /** The parent's field whose value is the key. */
  from: string;
  /** The field's type is a list: the upstream answers `{"items":[…]}` for one key. */
  list: boolean;
  /** Field arguments, passed through as path placeholders or query parameters. */
  args: string[];
  /** The answer's check, from the SDL type; null (or absent) passes as null. */
  value: z.ZodType<object>;
  /**
   * The same check without the null wrapper, for a batch item (which is always an object with its
   * key): one zod layer less per item, and no pipe, which V8 cannot specialise (docs/architecture.md).
   */
  item: z.ZodType<object>;
  /** `@fallback(default:)`, checked against the type. */
  defaultValue: object | undefined;
  /** `query:` constant parameters, values possibly naming `{config.currency}`. */
  query: readonly Pair[];
  /** `match:` what each answered item's field must equal, values possibly naming `{config.currency}`. */
  match: readonly Pair[];
}

interface RestArguments {
  source: string;
  path: string;
  batchKey?: string;
  keyField?: string;
  keyParam?: string;
  from: string;
  query?: string;
  match?: string;
}

const NO_FIELDS: ReadonlySet<string> = new Set();

let cached: { text: string; resolvedFields: ReadonlySet<string>; declarations: RestDeclaration[] } | undefined;

/**
 * Every `@rest` field of `typeDefs`, checked; throws `DeclarationError` naming the first bad one.
 * `resolvedFields` (`Money.formatted`, …) have a coded resolver: Ballast computes them, so an
 * answer is not asked to carry them.
 */
export function loadDeclarations(typeDefs: readonly string[], resolvedFields: ReadonlySet<string> = NO_FIELDS): RestDeclaration[] {
  const text = typeDefs.join('\n');
  if (cached?.text === text && cached.resolvedFields === resolvedFields) return cached.declarations;
  const declarations = declarationsOf(buildSdl(typeDefs), resolvedFields);
  cached = { text, resolvedFields, declarations };
  return declarations;
}

function buildSdl(typeDefs: readonly string[]): GraphQLSchema {
  try {
    return buildASTSchema(concatAST(typeDefs.map((text) => parse(text))));
  } catch (error) {
    throw new DeclarationError(`schema: ${(error as Error).message.split('\n')[0]}`);
  }
}

function declarationsOf(schema: GraphQLSchema, resolvedFields: ReadonlySet<string>): RestDeclaration[] {
  const rest = schema.getDirective('rest');
  const fallback = schema.getDirective('fallback');
  if (!rest || !fallback) return [];
  const declarations: RestDeclaration[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (!field.astNode) continue;
      const args = getDirectiveValues(rest, field.astNode) as RestArguments | undefined;
      if (args) declarations.push(declare(type, field, args, fallback, resolvedFields));
      else if (getDirectiveValues(fallback, field.astNode)) throw new DeclarationError(`schema: ${type.name}.${field.name} has @fallback without @rest`);
    }
  }
  return declarations;
}

function declare(parent: GraphQLObjectType, field: GraphQLField<unknown, unknown>, rest: RestArguments, fallback: GraphQLDirective, resolvedFields: ReadonlySet<string>): RestDeclaration {
  const coordinate = `${parent.name}.${field.name}`;
  const refuse = (problem: string): never => {
    throw new DeclarationError(`schema: ${coordinate} @rest: ${problem}`);
  };
  checkSource(rest.source, refuse);
  const args = field.args.map((argument) => argument.name);
  checkKeying(rest, parent, refuse);
  checkPath(rest, args, refuse);
  const list = isListType(getNullableType(field.type));
  checkType(field, rest, list, refuse);
  const value = valueSchema(field.type, resolvedFields, refuse);
  const item = valueSchema(new GraphQLNonNull(getNullableType(field.type)), resolvedFields, refuse);
  const query = checkedQuery(rest, args, refuse);
  const match = checkedMatch(rest, field, list, refuse);
  const fallbackArgs = getDirectiveValues(fallback, field.astNode!) as { default: string } | undefined;
  const defaultValue = fallbackArgs ? checkedDefault(fallbackArgs.default, value, coordinate) : undefined;
  return {
    coordinate,
    typeName: parent.name,
    fieldName: field.name,
    source: rest.source,
    path: rest.path,
    batchKey: rest.batchKey,
    keyField: rest.keyField,
    keyParam: rest.keyParam,
    from: rest.from,
    list,
    args,
    value,
    item,
    defaultValue,
    query,
    match,
  };
}

type Refuse = (problem: string) => never;

function checkSource(source: string, refuse: Refuse): void {
  if (!(SOURCE_NAMES as readonly string[]).includes(source) && !DECLARED_NAME.test(source)) refuse(`source "${source}" must be lower-case letters and digits (it becomes a config key and ${source.toUpperCase()}_URL)`);
  if (!ALL_SOURCE_NAMES.includes(source)) refuse(`source "${source}" is not one this process started with: a new source needs a restart (known: ${ALL_SOURCE_NAMES.join(', ')})`);
}

function checkKeying(rest: RestArguments, parent: GraphQLObjectType, refuse: Refuse): void {
  const key = parent.getFields()[rest.from];
  if (!key || !isScalarType(getNamedType(key.type))) refuse(`from: "${rest.from}" is not a scalar field of ${parent.name}`);
  if (rest.batchKey !== undefined && rest.keyField === undefined) refuse('batchKey needs keyField (the item field that matches each item back to its key)');
  if (rest.keyField !== undefined && rest.batchKey === undefined) refuse('keyField is only for batch calls: add batchKey (the query parameter carrying the keys)');
  if (rest.batchKey !== undefined && rest.keyParam !== undefined) refuse('batchKey and keyParam exclude each other');
}

function checkPath(rest: RestArguments, args: readonly string[], refuse: Refuse): void {
  if (!rest.path.startsWith('/') || rest.path.includes('?') || rest.path.includes('#')) refuse(`path "${rest.path}" must start with / and have no query (arguments and keys become query parameters)`);
  const placeholders = [...rest.path.matchAll(/\{([^}]*)\}/g)].map((match) => match[1]!);
  for (const name of placeholders) {
    if (name !== rest.from && !args.includes(name)) refuse(`path parameter {${name}} is neither an argument of the field nor its key (from: "${rest.from}")`);
  }
  const keyInPath = placeholders.includes(rest.from);
  if (rest.batchKey !== undefined && keyInPath) refuse(`a batch call carries its keys in ?${rest.batchKey}=, not in the path`);
  if (rest.batchKey === undefined && rest.keyParam === undefined && !keyInPath) refuse(`the key goes nowhere: put {${rest.from}} in the path, or declare batchKey or keyParam`);
}

function checkType(field: GraphQLField<unknown, unknown>, rest: RestArguments, list: boolean, refuse: Refuse): void {
  if (isNonNullType(field.type)) refuse(`type ${String(field.type)} must be nullable: a field whose source fails may have no value`);
  if (!isObjectType(getNamedType(field.type))) refuse(`type ${String(field.type)} is not an object type (or a list of one)`);
  if (list && rest.batchKey !== undefined) refuse('a list field is loaded one key at a time: drop batchKey, use keyParam or a {placeholder}');
  if (rest.keyField !== undefined) {
    const keyField = (getNamedType(field.type) as GraphQLObjectType).getFields()[rest.keyField];
    if (keyField && !['ID', 'String'].includes(getNamedType(keyField.type).name)) refuse(`keyField "${rest.keyField}" is ${String(keyField.type)} in the type: keys are strings`);
  }
}

/** `type` is the field's type (nullable: the check lets null through) or its non-null form. */
function valueSchema(type: GraphQLOutputType, resolvedFields: ReadonlySet<string>, refuse: Refuse): z.ZodType<object> {
  try {
    return schemaOfType(type, new Map(), resolvedFields) as z.ZodType<object>;
  } catch (error) {
    if (error instanceof UncheckableTypeError) refuse(error.message);
    throw error;
  }
}

/** `query:` pairs; a name already carried (the keys, an argument) would be sent twice. */
function checkedQuery(rest: RestArguments, args: readonly string[], refuse: Refuse): Pair[] {
  if (rest.query === undefined) return [];
  const pairs = parsePairs(rest.query, (problem) => refuse(`query: ${problem}`));
  const carried = [rest.batchKey, rest.keyParam, ...args].filter((name) => name !== undefined);
  for (const [name] of pairs) if (carried.includes(name)) refuse(`query: parameter "${name}" is already sent (as the keys or a field argument)`);
  return pairs;
}

/** `match:` pairs, each naming a String or ID field of the answer's type. */
function checkedMatch(rest: RestArguments, field: GraphQLField<unknown, unknown>, list: boolean, refuse: Refuse): Pair[] {
  if (rest.match === undefined) return [];
  if (list) refuse('match: checks one object per key; a list field is not checked item by item');
  const pairs = parsePairs(rest.match, (problem) => refuse(`match: ${problem}`));
  const type = getNamedType(field.type) as GraphQLObjectType;
  for (const [name] of pairs) {
    const checked = type.getFields()[name];
    if (!checked || !['ID', 'String'].includes(getNamedType(checked.type).name)) refuse(`match: "${name}" is not a String or ID field of ${type.name}`);
  }
  return pairs;
}

function checkedDefault(text: string, value: z.ZodType<object>, coordinate: string): object {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new DeclarationError(`schema: ${coordinate} @fallback: default is not JSON: ${text}`);
  }
  const checked = value.safeParse(parsed);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw new DeclarationError(`schema: ${coordinate} @fallback: default does not match the field's type (${issue.path.join('.') || 'value'}: ${issue.message})`);
  }
  return checked.data;
}
