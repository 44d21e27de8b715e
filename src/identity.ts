import { GraphQLError } from 'graphql';
import type { JWTPayload } from 'jose';
import type { BallastConfig } from './config-schema.js';
import { isSafePathSegment } from './sources/path-segment.js';

/** A token src/plugins/use-identity.ts verified, as `context.jwt`. */
export interface VerifiedToken {
  payload: JWTPayload;
  token: { value: string; prefix: string };
}

/** Requests whose token could not be checked because the identity provider's keys were out of reach. */
const unverifiable = new WeakSet<Request>();

/** The request goes on without a caller; its user fields say the identity provider is unavailable. */
export function markIdentityUnavailable(request: Request): void {
  unverifiable.add(request);
}

/** Who is calling, as far as the configured identity says. */
export type Caller = { kind: 'anyone' } | { kind: 'anonymous'; unverifiable?: true } | { kind: 'user'; id: string };

/**
 * The caller of a request: with `identity.mode` "none" (the embedded demo) anyone may read any
 * user's data; with "header" the trusted gateway in front names the user; with "jwt" the verified
 * token's `userClaim` does (tokens are verified by src/plugins/use-identity.ts before this runs).
 */
export function callerOf(config: Pick<BallastConfig, 'identity'>, request: Request, jwt: VerifiedToken | undefined): Caller {
  const identity = config.identity;
  if (identity.mode === 'none') return { kind: 'anyone' };
  const id = identity.mode === 'header' ? request.headers.get(identity.header) : claimOf(jwt, identity.jwt.userClaim);
  if (id) return { kind: 'user', id: usableUserId(id) };
  return unverifiable.has(request) ? { kind: 'anonymous', unverifiable: true } : { kind: 'anonymous' };
}

function claimOf(jwt: VerifiedToken | undefined, claim: string): string | null {
  const value = (jwt?.payload as Record<string, unknown> | undefined)?.[claim];
  return typeof value === 'string' && value !== '' ? value : null;
}

/** Refuses to read (or, for mutations, change) `userId`'s data unless the caller is that user (or identity is off). */
export function assertMayRead(caller: Caller, userId: string, action: 'read' | 'change' = 'read'): void {
  usableUserId(userId);
  if (caller.kind === 'anyone') return;
  if (caller.kind === 'anonymous' && caller.unverifiable) {
    throw new GraphQLError('your token cannot be checked right now (identity provider unavailable); try again shortly', {
      extensions: { code: 'UNAUTHENTICATED', reason: 'identity_unavailable' },
    });
  }
  if (caller.kind === 'anonymous') {
    throw new GraphQLError(`sign in to ${action} user data`, { extensions: { code: 'UNAUTHENTICATED' } });
  }
  if (caller.id !== userId) {
    throw new GraphQLError(`you may only ${action} your own cart and favorites`, { extensions: { code: 'FORBIDDEN' } });
  }
}

/** User ids become upstream path segments (`/carts/{id}`): "", "." and ".." would name another resource. */
function usableUserId(id: string): string {
  if (isSafePathSegment(id)) return id;
  throw new GraphQLError(`"${id}" is not a user id: empty, "." and ".." are refused`, { extensions: { code: 'BAD_USER_INPUT' } });
}
