import { GraphQLError, Kind, visit } from 'graphql';
import type { DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** A `@stream` whose `initialCount` is a literal, or the name of the variable that gives it. */
type InitialCount = { literal: number } | { variable: string };

const counts = new WeakMap<DocumentNode, InitialCount[]>();

/** Every `@stream(initialCount:)` of a document, found once per parsed document. */
function initialCounts(document: DocumentNode): InitialCount[] {
  let found = counts.get(document);
  if (found === undefined) {
    const list: InitialCount[] = [];
    visit(document, {
      Directive(node) {
        if (node.name.value !== 'stream') return;
        const value = node.arguments?.find((argument) => argument.name.value === 'initialCount')?.value;
        if (value?.kind === Kind.INT) list.push({ literal: Number(value.value) });
        else if (value?.kind === Kind.VARIABLE) list.push({ variable: value.name.value });
      },
    });
    found = list;
    counts.set(document, found);
  }
  return found;
}

/**
 * `@stream(initialCount:)` below 0 is the client's mistake: the executor's own check throws a
 * plain Error, which reached the client as "Unexpected error." (INTERNAL_SERVER_ERROR) with the
 * list nulled. Refused before execution as BAD_USER_INPUT instead (docs/architecture.md §
 * Contract: the GraphQL schema's promises). Per request: one WeakMap look-up of the document.
 */
export function useStreamArguments(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const list = initialCounts(args.document);
      if (list.length === 0) return;
      const variables = args.variableValues ?? {};
      for (const count of list) {
        const value = 'literal' in count ? count.literal : variables[count.variable];
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
