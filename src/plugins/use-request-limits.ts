import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError } from 'graphql';
import type { ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { createGraphQLError } from 'graphql-yoga';
import type { BallastConfig } from '../config-schema.js';

/** The slice of the config the request limits read. */
export type RequestLimitsConfig = Pick<BallastConfig, 'mode' | 'security'>;

/**
 * Cheap refusals before any resolver runs: body size (413), document length, and
 * graphql-armor's depth, alias, directive, token and cost limits, every one set explicitly.
 * Field suggestions ("did you mean …") are hidden in production: they map the schema for free.
 */
export function useRequestLimits(config: RequestLimitsConfig): Plugin[] {
  const limits = config.security;
  const production = config.mode === 'production';
  return [
    useBodyLimit(limits.maxBodyBytes),
    useDocumentLength(limits.maxDocumentChars),
    EnvelopArmorPlugin({
      maxDepth: { n: limits.maxDepth, ignoreIntrospection: !production, flattenFragments: true, ...asValidationError },
      // Every alias counts: graphql-armor's default allow-list lets `__typename` aliases through uncounted.
      maxAliases: { n: limits.maxAliases, allowList: [], ...asValidationError },
      maxDirectives: { n: limits.maxDirectives, ...asValidationError },
      maxTokens: { n: limits.maxTokens },
      costLimit: { maxCost: limits.maxCost, objectCost: 2, scalarCost: 1, depthCostFactor: 1.5, ignoreIntrospection: !production, ...asValidationError },
      blockFieldSuggestion: { enabled: production },
    }),
  ];
}

/**
 * graphql-armor throws its refusals out of the validation rule, which Yoga answers as an odd
 * 200; reported as validation errors they get the 400 and the code a client expects.
 */
const asValidationError = {
  propagateOnRejection: false,
  onReject: [
    (context: ValidationContext | null, error: GraphQLError) =>
      context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, ''), { extensions: { code: 'QUERY_TOO_COMPLEX' } })),
  ],
};

/** 413 for a body over `maxBytes` by its Content-Length; 411 for a POST that does not say its length. */
function useBodyLimit(maxBytes: number): Plugin {
  return {
    onRequest({ request, endResponse }) {
      if (request.method !== 'POST') return;
      const declared = request.headers.get('content-length');
      if (declared === null) {
        endResponse(refusal(411, 'LENGTH_REQUIRED', `POST bodies must carry Content-Length (at most ${maxBytes} bytes)`));
      } else if (!/^\d+$/.test(declared) || Number(declared) > maxBytes) {
        endResponse(refusal(413, 'BODY_TOO_LARGE', `request body exceeds ${maxBytes} bytes`));
      }
    },
  };
}

function useDocumentLength(maxChars: number): Plugin {
  return {
    onParams({ params }) {
      if (typeof params.query === 'string' && params.query.length > maxChars) {
        throw createGraphQLError(`query document is ${params.query.length} characters; the limit is ${maxChars}`, {
          extensions: { code: 'DOCUMENT_TOO_LARGE', http: { status: 400 } },
        });
      }
    },
  };
}

function refusal(status: number, code: string, message: string): Response {
  return new Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });
}
