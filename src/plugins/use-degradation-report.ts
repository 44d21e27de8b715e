import type { Plugin } from 'graphql-yoga';
import { getOperationAST } from 'graphql';
import type { ExecutionResult } from 'graphql';
import type { BallastContext } from '../context.js';

/**
 * Adds `extensions.degraded` (docs/architecture.md § Contract: degradation) to every result that had a field take a fallback, then
 * ends the request's lifetime so any upstream call still in flight is aborted, not orphaned.
 * With incremental delivery each payload carries what degraded since the previous one.
 */
export function useDegradationReport(): Plugin<BallastContext> {
  return {
    onExecute({ args }) {
      const context = args.contextValue;
      context.operationName = getOperationAST(args.document, args.operationName)?.name?.value ?? 'anonymous';
      return {
        onExecuteDone({ result, setResult }) {
          if (!isAsyncIterableResult(result)) {
            setResult(withReport(result, context));
            context.finish();
            return undefined;
          }
          return {
            onNext: ({ result: next, setResult: setNext }) => setNext(withReport(next, context)),
            onEnd: () => context.finish(),
          };
        },
      };
    },
  };
}

function withReport<R extends ExecutionResult>(result: R, context: BallastContext): R {
  const degraded = context.degradation.takeReport();
  if (!degraded) return result;
  return { ...result, extensions: { ...result.extensions, degraded } };
}

function isAsyncIterableResult(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}
