import type { Plugin } from 'graphql-yoga';
import { GraphQLError } from 'graphql';
import type { ExecutionResult, Source } from 'graphql';

/**
 * Makes graphql-jit's results look like the reference executor's where clients can tell. Only
 * results with errors are touched, so the happy path keeps JIT's fast serializer.
 * - JIT's errors carry bare `locations`, which Yoga's error handling drops (it rebuilds errors
 *   from source positions): rebuild them as graphql-js errors with positions.
 * - Variable coercion failures come back as an ordinary result, where the reference executor
 *   raises request errors; GraphQL over HTTP wants 400 for those when the client accepts
 *   application/graphql-response+json (`spec: true` keeps 200 for plain JSON).
 */
export function useJitErrorCompatibility(): Plugin {
  return {
    onExecute({ args }) {
      return {
        onExecuteDone({ result, setResult }) {
          if (Symbol.asyncIterator in result || !result.errors?.length) return;
          if (isRequestError(result)) {
            setResult({ ...result, errors: result.errors.map(asRequestError) });
            return;
          }
          const source = args.document.loc?.source;
          if (source && result.errors.some((error) => error.locations && !error.positions)) {
            setResult({ ...result, errors: result.errors.map((error) => withPositions(error, source)) });
          }
        },
      };
    },
  };
}

/** No `data` at all and errors without a path: execution never started. */
function isRequestError(result: ExecutionResult): boolean {
  return result.data === undefined && result.errors!.every((error) => error.path === undefined);
}

function withPositions(error: GraphQLError, source: Source): GraphQLError {
  if (!error.locations || error.positions) return error;
  return new GraphQLError(error.message, {
    source,
    positions: error.locations.map((location) => positionOf(source.body, location.line, location.column)),
    path: error.path,
    originalError: error.originalError,
    extensions: error.extensions,
  });
}

/** A line end as graphql-js counts them: CRLF, LF or a lone CR. */
const LINE_END = /\r\n|[\n\r]/g;

/** Offset of a 1-based line and column in `body`, counting lines as graphql-js does (its `locations`). */
function positionOf(body: string, line: number, column: number): number {
  let offset = 0;
  LINE_END.lastIndex = 0;
  for (let current = 1; current < line; current++) {
    const end = LINE_END.exec(body);
    if (!end) break;
    offset = end.index + end[0].length;
  }
  return offset + column - 1;
}

function asRequestError(error: GraphQLError): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    originalError: error.originalError,
    extensions: { ...error.extensions, http: { status: 400, spec: true } },
  });
}
