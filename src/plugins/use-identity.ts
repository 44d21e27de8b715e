import { createInlineSigningKeyProvider, createRemoteJwksSigningKeyProvider, extractFromHeader, useJWT } from '@graphql-yoga/plugin-jwt';
import type { GetSigningKeyFunction } from '@graphql-yoga/plugin-jwt';
import type { Plugin } from 'graphql-yoga';
import type { BallastConfig } from '../config-schema.js';

/**
 * JWT verification (signature, expiry, issuer, audience) when `identity.mode` is "jwt". A missing
 * token is allowed (public data stays public; user data then answers UNAUTHENTICATED); a bad or
 * expired token is refused with 401.
 */
export function useIdentity(config: BallastConfig): Plugin[] {
  const identity = config.identity;
  if (identity.mode !== 'jwt') return [];
  const { secret, publicKey, jwksUrl, issuer, audience, algorithms } = identity.jwt;
  const providers: GetSigningKeyFunction[] = [];
  if (secret) providers.push(createInlineSigningKeyProvider(secret));
  if (publicKey) providers.push(createInlineSigningKeyProvider(publicKey));
  if (jwksUrl) providers.push(createRemoteJwksSigningKeyProvider({ jwksUri: jwksUrl, cache: true, rateLimit: true, timeout: 2000 }));
  return [
    useJWT({
      signingKeyProviders: providers as [GetSigningKeyFunction, ...GetSigningKeyFunction[]],
      tokenLookupLocations: [extractFromHeader({ name: 'authorization', prefix: 'Bearer' })],
      tokenVerification: { algorithms, ...(issuer ? { issuer } : {}), ...(audience ? { audience } : {}) },
      reject: { missingToken: false, invalidToken: true },
      extendContext: true,
    }) as Plugin,
  ];
}
