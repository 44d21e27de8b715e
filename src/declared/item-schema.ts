import { getNullableType, isEnumType, isListType, isNonNullType, isObjectType, isScalarType } from 'graphql';
import type { GraphQLField, GraphQLObjectType, GraphQLOutputType } from 'graphql';
import { z } from 'zod';
import { GRAPHQL_INT_MAX } from '../sources/int32.js';
import { absentAsNull } from '../sources/item-check.js';

// The SDL is the contract: an upstream answer is checked against the declared GraphQL type, so a
// wrong shape is UPSTREAM_BAD_RESPONSE for that key, never a crash or a silent null
// (docs/adding-a-data-source.md, "What the SDL checks").

const SCALARS: Record<string, () => z.ZodType> = {
  String: () => z.string(),
  ID: () => z.union([z.string(), z.number().int().transform(String)]),
  Int: () => z.number().int().min(-GRAPHQL_INT_MAX - 1).max(GRAPHQL_INT_MAX),
  Float: () => z.number().finite(),
  Boolean: () => z.boolean(),
};

/** Thrown when a type cannot be checked (a custom scalar, an interface): the declaration is refused. */
export class UncheckableTypeError extends Error {}

/**
 * A zod schema for values of `type`: scalars by kind (Int within 32 bits), enums by their values,
 * lists, nested objects; a nullable field may be absent (null); fields the type does not have are
 * dropped; fields with their own `@rest` (loaded by their own resolver) or named in
 * `resolvedFields` (`Money.formatted`: a coded resolver computes it) are not checked here.
 */
export function schemaOfType(type: GraphQLOutputType, seen = new Map<string, z.ZodType>(), resolvedFields: ReadonlySet<string> = new Set()): z.ZodType {
  const inner = nullableSchema(getNullableType(type), seen, resolvedFields);
  return isNonNullType(type) ? inner : inner.nullish().transform(absentAsNull);
}

function nullableSchema(type: GraphQLOutputType, seen: Map<string, z.ZodType>, resolvedFields: ReadonlySet<string>): z.ZodType {
  if (isListType(type)) return z.array(schemaOfType(type.ofType, seen, resolvedFields));
  if (isScalarType(type)) {
    const scalar = SCALARS[type.name];
    if (!scalar) throw new UncheckableTypeError(`custom scalar ${type.name} cannot be checked`);
    return scalar();
  }
  if (isEnumType(type)) {
    const values = type.getValues().map((value) => value.name);
    return z.enum(values as [string, ...string[]]);
  }
  if (isObjectType(type)) return objectSchema(type, seen, resolvedFields);
  throw new UncheckableTypeError(`${String(type)} (an interface or union) cannot be checked`);
}

function objectSchema(type: GraphQLObjectType, seen: Map<string, z.ZodType>, resolvedFields: ReadonlySet<string>): z.ZodType {
  const known = seen.get(type.name);
  if (known) return known;
  // Recursive types (a category with subcategories) refer to themselves lazily.
  const lazy = z.lazy(() => built);
  seen.set(type.name, lazy);
  const shape = Object.fromEntries(
    Object.values(type.getFields())
      .filter((field) => !hasRest(field) && !resolvedFields.has(`${type.name}.${field.name}`))
      .map((field) => [field.name, schemaOfType(field.type, seen, resolvedFields)]),
  );
  const built: z.ZodType = z.object(shape);
  seen.set(type.name, built);
  return built;
}

function hasRest(field: GraphQLField<unknown, unknown>): boolean {
  return field.astNode?.directives?.some((directive) => directive.name.value === 'rest') ?? false;
}
