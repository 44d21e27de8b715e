import type { GraphQLField, GraphQLResolveInfo } from 'graphql';
import { Kind } from 'graphql';

const fromDirective = new WeakMap<GraphQLField<unknown, unknown>, number | null>();

/**
 * The field's own time limit in ms: config `fieldTimeouts["Type.field"]` first, then the SDL's
 * `@timeout(ms:)`, else undefined. Directive lookups are cached per schema field.
 */
export function fieldTimeoutMs(info: GraphQLResolveInfo, overrides: Readonly<Record<string, number>>): number | undefined {
  const override = overrides[`${info.parentType.name}.${info.fieldName}`];
  if (override !== undefined) return override;
  const field = info.parentType.getFields()[info.fieldName];
  if (!field) return undefined;
  let ms = fromDirective.get(field);
  if (ms === undefined) {
    ms = readTimeoutDirective(field);
    fromDirective.set(field, ms);
  }
  return ms ?? undefined;
}

function readTimeoutDirective(field: GraphQLField<unknown, unknown>): number | null {
  const directive = field.astNode?.directives?.find((node) => node.name.value === 'timeout');
  const argument = directive?.arguments?.find((node) => node.name.value === 'ms');
  return argument?.value.kind === Kind.INT ? Number(argument.value.value) : null;
}
