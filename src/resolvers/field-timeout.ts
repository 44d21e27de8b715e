import type { GraphQLField, GraphQLObjectType, GraphQLResolveInfo } from 'graphql';
import { Kind } from 'graphql';

/** A field's own time limit, with the `Type.field` coordinate its shared timer is keyed by. */
export interface FieldTimeout {
  coordinate: string;
  ms: number;
}

const cache = new WeakMap<GraphQLField<unknown, unknown>, FieldTimeout | null>();

/**
 * The field's own time limit: config `fieldTimeouts["Type.field"]` first, then the SDL's
 * `@timeout(ms:)`, else undefined. Worked out once per schema field (each gateway builds its own
 * schema from one config), so the hot path is a single WeakMap lookup.
 */
export function fieldTimeout(info: GraphQLResolveInfo, overrides: Readonly<Record<string, number>>): FieldTimeout | undefined {
  return fieldTimeoutOf(info.parentType, info.fieldName, overrides);
}

/** The same, for a field named by its type and name (a parent planning its children's loads). */
export function fieldTimeoutOf(type: GraphQLObjectType, fieldName: string, overrides: Readonly<Record<string, number>>): FieldTimeout | undefined {
  const field = type.getFields()[fieldName];
  if (!field) return undefined;
  let timeout = cache.get(field);
  if (timeout === undefined) {
    const coordinate = `${type.name}.${fieldName}`;
    const ms = overrides[coordinate] ?? readTimeoutDirective(field);
    timeout = ms === null ? null : { coordinate, ms };
    cache.set(field, timeout);
  }
  return timeout ?? undefined;
}

function readTimeoutDirective(field: GraphQLField<unknown, unknown>): number | null {
  const directive = field.astNode?.directives?.find((node) => node.name.value === 'timeout');
  const argument = directive?.arguments?.find((node) => node.name.value === 'ms');
  return argument?.value.kind === Kind.INT ? Number(argument.value.value) : null;
}
