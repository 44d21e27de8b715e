import { getOperationAST, GraphQLError, Kind, visit } from 'graphql';
import type { DocumentNode, OperationDefinitionNode, ValueNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** A `@stream` whose `initialCount` is a literal, or the name of the variable that gives it (with its default). */
type InitialCount = { literal: number } | { variable: string; fallback: number | undefined };

/** Per parsed document, per operation name asked for: what its `@stream`s ask. */
const counts = new WeakMap<DocumentNode, Map<string | null, InitialCount[]>>();

const intOf = (value: ValueNode | undefined): number | undefined => (value?.kind === Kind.INT ? Number(value.value) : undefined);

/**
 * Every `@stream(initialCount:)` the executed operation reaches: its own selections and the
 * fragments it spreads (an operation not executed may say what it likes; executing it is refused
 * on its own), each found once per parsed document and operation name.
 */
function initialCounts(document: DocumentNode, operationName: string | null): InitialCount[] {
  let byOperation = counts.get(document);
  if (!byOperation) counts.set(document, (byOperation = new Map()));
  let found = byOperation.get(operationName);
  if (found === undefined) {
    const operation = getOperationAST(document, operationName);
    found = operation ? countsOf(document, operation) : [];
    byOperation.set(operationName, found);
  }
  return found;
}

function countsOf(document: DocumentNode, operation: OperationDefinitionNode): InitialCount[] {
  const defaults = new Map(operation.variableDefinitions?.map((definition) => [definition.variable.name.value, intOf(definition.defaultValue)]));
  const fragments = new Map(document.definitions.flatMap((definition) => (definition.kind === Kind.FRAGMENT_DEFINITION ? [[definition.name.value, definition] as const] : [])));
  const list: InitialCount[] = [];
  const seen = new Set<string>();
  const walk = (node: Parameters<typeof visit>[0]): void => {
    visit(node, {
      FragmentSpread(spread) {
        const name = spread.name.value;
        const fragment = fragments.get(name);
        if (fragment && !seen.has(name)) {
          seen.add(name);
          walk(fragment);
        }
      },
      Directive(directive) {
        if (directive.name.value !== 'stream') return;
        const value = directive.arguments?.find((argument) => argument.name.value === 'initialCount')?.value;
        if (value?.kind === Kind.INT) list.push({ literal: Number(value.value) });
        else if (value?.kind === Kind.VARIABLE) list.push({ variable: value.name.value, fallback: defaults.get(value.name.value) });
      },
    });
  };
  walk(operation);
  return list;
}

/**
 * `@stream(initialCount:)` below 0 is the client's mistake: the executor's own check throws a
 * plain Error, which reached the client as "Unexpected error." (INTERNAL_SERVER_ERROR) with the
 * list nulled. Refused before execution as BAD_USER_INPUT instead (docs/security.md, "Errors,
 * introspection, GraphiQL"). Per request: two look-ups of the parsed document's answer.
 */
export function useStreamArguments(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const list = initialCounts(args.document, args.operationName ?? null);
      if (list.length === 0) return;
      const variables = args.variableValues ?? {};
      for (const count of list) {
        const value = 'literal' in count ? count.literal : (variables[count.variable] ?? count.fallback);
        if (typeof value === 'number' && value < 0) {
          setResultAndStopExecution({
            errors: [new GraphQLError(`@stream initialCount must be 0 or more, got ${value}`, { extensions: { code: 'BAD_USER_INPUT' } })],
          });
          return;
        }
      }
    },
  };
}
