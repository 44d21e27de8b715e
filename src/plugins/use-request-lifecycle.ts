import type { ServerResponse } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import { getOperationAST } from 'graphql';
import type { BallastContext } from '../context.js';

/**
 * The request's lifecycle, apart from what reads it: names the operation when execution starts
 * (logs and metrics read `context.operationName` when the response goes out), and ends the
 * request's loads when the last result is out, so any upstream call still in flight is aborted,
 * not orphaned (docs/architecture.md § The route of one request). A client that disconnects
 * first (the server aborts `request.signal` when the response closes unfinished) ends them at
 * once: its calls and bulkhead slots are not held until their timeouts. No other plugin relies
 * on running before or after this one.
 */
export function useRequestLifecycle(): Plugin<BallastContext> {
  return {
    onExecute({ args }) {
      const context = args.contextValue;
      context.operationName = getOperationAST(args.document, args.operationName)?.name?.value ?? 'anonymous';
      const finish = finishOnClientAbort(context);
      return {
        onExecuteDone({ result }) {
          if (!isAsyncIterableResult(result)) {
            finish();
            return undefined;
          }
          return { onEnd: finish };
        },
      };
    },
  };
}

/**
 * Ends the context's loads when its client disconnects; returns the normal end, which also drops
 * that listener. Over node:http the listener goes on the Node response's `close` (what Yoga's
 * request signal is aborted from): an EventTarget listener on that signal cost ~1.5 µs more per
 * request to add and remove (bench/README.md § "Seventh session: per-request CPU").
 */
function finishOnClientAbort(context: BallastContext): () => void {
  const signal = context.request.signal;
  const cancel = (): void => context.finish();
  const response = (context as { res?: ServerResponse }).res;
  if (signal.aborted) cancel();
  else if (response) response.once('close', cancel);
  else signal.addEventListener('abort', cancel, { once: true });
  return () => {
    if (response) response.off('close', cancel);
    else signal.removeEventListener('abort', cancel);
    context.finish();
  };
}

function isAsyncIterableResult(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}
