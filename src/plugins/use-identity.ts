import type { Plugin } from 'graphql-yoga';
import { createGraphQLError } from 'graphql-yoga';
import type { BallastConfig } from '../config-schema.js';
import type { BallastContext } from '../context.js';
import { markIdentityUnavailable } from '../identity.js';
import type { VerifiedToken } from '../identity.js';
import { createJwtVerifier } from '../jwt-verifier.js';
import type { RefusalReason } from '../jwt-verifier.js';

/** The slice of the config JWT verification reads. */
export type IdentityConfig = Pick<BallastConfig, 'identity'>;

/**
 * JWT verification (signature, algorithm, expiry, issuer, audience) when `identity.mode` is "jwt".
 * A missing token is allowed (public data stays public; user data then answers UNAUTHENTICATED);
 * a token that fails verification is refused with 401 and `extensions.reason`. When the JWKS
 * cannot be reached within the request's budget, the request goes on without a caller: public
 * fields answer, user fields say why they cannot (docs/security.md).
 */
export function useIdentity(config: IdentityConfig): Plugin[] {
  const identity = config.identity;
  if (identity.mode !== 'jwt') return [];
  const verify = createJwtVerifier(identity.jwt);
  const plugin: Plugin<BallastContext> = {
    async onContextBuilding({ context, extendContext }) {
      const token = bearerToken(context.request);
      if (token === null) return;
      const outcome = await verify(token, context.deadline.remainingMs());
      if (outcome.kind === 'refused') throw unauthorized(outcome.reason);
      if (outcome.kind === 'unavailable') {
        markIdentityUnavailable(context.request);
        return;
      }
      const jwt: VerifiedToken = { payload: outcome.payload, token: { value: token, prefix: 'Bearer' } };
      extendContext({ jwt });
    },
  };
  return [plugin as Plugin];
}

/** The token of `Authorization: Bearer <token>`, null without the header; any other scheme is a 400. */
function bearerToken(request: Request): string | null {
  const header = request.headers.get('authorization');
  if (header === null) return null;
  const match = /^Bearer +(\S+) *$/.exec(header);
  if (!match) {
    throw createGraphQLError('the Authorization header must be "Bearer <token>"', {
      extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
    });
  }
  return match[1]!;
}

function unauthorized(reason: RefusalReason) {
  return createGraphQLError('invalid authentication token', {
    extensions: {
      code: 'UNAUTHENTICATED',
      reason,
      http: { status: 401, headers: { 'www-authenticate': `Bearer error="invalid_token", error_description="${reason}"` } },
    },
  });
}
