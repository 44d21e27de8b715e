import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { BallastContext } from '../context.js';
import { activeTracing, requestSpanOf } from '../observability/tracing.js';
import type { Tracing } from '../observability/tracing.js';

/**
 * One OpenTelemetry span per GraphQL HTTP request (docs/operations.md, "Tracing"), named after
 * its operation; the pipelines hang their call spans under it. Variables are never recorded; the
 * document only with `tracing.graphqlDocument`. Without tracing configured the plugin is not
 * installed at all (`false` in the plugin list).
 */
export function useTracing(options: { graphqlDocument: boolean }, graphqlPath = '/graphql'): Plugin<BallastContext> | false {
  const tracing = activeTracing();
  if (!tracing) return false;
  return requestTracingPlugin(tracing, options.graphqlDocument, graphqlPath);
}

function requestTracingPlugin(tracing: Tracing, graphqlDocument: boolean, graphqlPath: string): Plugin<BallastContext> {
  const degradationOf = new WeakMap<Request, BallastContext['degradation']>();
  return {
    onRequest({ request, url }) {
      if (url.pathname === graphqlPath) tracing.startRequest(request, url.pathname);
    },
    onExecute({ args }) {
      const context = args.contextValue;
      const span = requestSpanOf(context.request);
      if (!span) return;
      degradationOf.set(context.request, context.degradation);
      const definition = getOperationAST(args.document, args.operationName);
      if (definition) span.operation(definition.operation, definition.name?.value, args.document, graphqlDocument);
    },
    onResponse({ request, response }) {
      requestSpanOf(request)?.end(response.status, degradationOf.get(request)?.reported ?? []);
    },
  };
}
