import type { Plugin } from 'graphql-yoga';
import type { ExecutionResult } from 'graphql';
import type { BallastContext } from '../context.js';

/**
 * Adds `extensions.degraded` (docs/architecture.md § Contract: degradation) to every result that
 * had a field take a fallback. With incremental delivery each payload carries what degraded since
 * the previous one. Naming the operation and ending the request are src/plugins/use-request-lifecycle.ts's.
 */
export function useDegradationReport(): Plugin<BallastContext> {
  return {
    onExecute({ args }) {
      const context = args.contextValue;
      return {
        onExecuteDone({ result, setResult }) {
          if (!isAsyncIterableResult(result)) {
            setResult(withReport(result, context));
            return undefined;
          }
          return { onNext: ({ result: next, setResult: setNext }) => setNext(withReport(next, context)) };
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
