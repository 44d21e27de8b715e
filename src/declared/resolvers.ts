import type { GraphQLFieldResolver } from 'graphql';
import type { BallastContext } from '../context.js';
import { loadDegradable } from '../resolvers/degradable.js';
import type { BoundOperation } from '../sources/operation.js';
import type { RestDeclaration } from './declarations.js';
import { operationKey } from './operation.js';

type FieldResolver = GraphQLFieldResolver<Record<string, unknown>, BallastContext, Record<string, unknown>>;

/** A resolver per declared field: the same `loadDegradable` as coded fields, so the same fallbacks and report. */
export function declaredResolvers(declarations: readonly RestDeclaration[]): Record<string, Record<string, FieldResolver>> {
  const resolvers: Record<string, Record<string, FieldResolver>> = {};
  for (const declaration of declarations) {
    resolvers[declaration.typeName] = { ...resolvers[declaration.typeName], [declaration.fieldName]: resolverOf(declaration) };
  }
  return resolvers;
}

function resolverOf(declaration: RestDeclaration): FieldResolver {
  return (parent, args, context, info) => {
    const key = parent[declaration.from];
    if (key === null || key === undefined) return null;
    const operation = (context.operations as unknown as Record<string, BoundOperation<object> | undefined>)[declaration.coordinate];
    if (!operation) throw new Error(`${declaration.coordinate} is declared but not bound to its source`);
    return loadDegradable(context, info, operation, operationKey(declaration, String(key), args));
  };
}
