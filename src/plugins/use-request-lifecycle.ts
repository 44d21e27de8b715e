import type { Plugin } from 'graphql-yoga';
import { getOperationAST } from 'graphql';
import type { BallastContext } from '../context.js';

/**
 * The request's lifecycle, apart from what reads it: names the operation when execution starts
 * (logs and metrics read `context.operationName` when the response goes out), and ends the
 * request's loads when the last result is out, so any upstream call still in flight is aborted,
 * not orphaned (docs/architecture.md § The route of one request). No other plugin relies on
 * running before or after this one.
 */
export function useRequestLifecycle(): Plugin<BallastContext> {
  return {
    onExecute({ args }) {
      const context = args.contextValue;
      context.operationName = getOperationAST(args.document, args.operationName)?.name?.value ?? 'anonymous';
      return {
        onExecuteDone({ result }) {
          if (!isAsyncIterableResult(result)) {
            context.finish();
            return undefined;
          }
          return { onEnd: () => context.finish() };
        },
      };
    },
  };
}

function isAsyncIterableResult(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}
