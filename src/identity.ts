import { GraphQLError } from 'graphql';
import type { JWTExtendContextFields } from '@graphql-yoga/plugin-jwt';
import type { BallastConfig } from './config-schema.js';

/** Who is calling, as far as the configured identity says. */
export type Caller = { kind: 'anyone' } | { kind: 'anonymous' } | { kind: 'user'; id: string };

/**
 * The caller of a request: with `identity.mode` "none" (the embedded demo) anyone may read any
 * user's data; with "header" the trusted gateway in front names the user; with "jwt" the verified
 * token's `userClaim` does (tokens are verified by @graphql-yoga/plugin-jwt before this runs).
 */
export function callerOf(config: BallastConfig, request: Request, jwt: JWTExtendContextFields | undefined): Caller {
  const identity = config.identity;
  if (identity.mode === 'none') return { kind: 'anyone' };
  const id = identity.mode === 'header' ? request.headers.get(identity.header) : claimOf(jwt, identity.jwt.userClaim);
  return id ? { kind: 'user', id } : { kind: 'anonymous' };
}

function claimOf(jwt: JWTExtendContextFields | undefined, claim: string): string | null {
  const value = (jwt?.payload as Record<string, unknown> | undefined)?.[claim];
  return typeof value === 'string' && value !== '' ? value : null;
}

/** Refuses to read `userId`'s data unless the caller is that user (or identity is off). */
export function assertMayRead(caller: Caller, userId: string): void {
  if (caller.kind === 'anyone') return;
  if (caller.kind === 'anonymous') {
    throw new GraphQLError('sign in to read user data', { extensions: { code: 'UNAUTHENTICATED' } });
  }
  if (caller.id !== userId) {
    throw new GraphQLError('you may only read your own cart and favorites', { extensions: { code: 'FORBIDDEN' } });
  }
}
