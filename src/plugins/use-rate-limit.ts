import type { IncomingMessage } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import { createGraphQLError } from 'graphql-yoga';
import type { BallastConfig } from '../config-schema.js';
import { RateLimiter } from '../front-door/rate-limiter.js';
import { callerOf } from '../identity.js';
import type { VerifiedToken } from '../identity.js';

/** The slice of the config the rate limit reads (its limits, and identity to name the caller). */
export type RateLimitConfig = Pick<BallastConfig, 'security' | 'identity'>;

/**
 * Per-client rate limit (`security.rateLimit`, docs/security.md): the verified user when identity
 * names one, else the client address. Checked once the context is built, after JWT verification,
 * so a forged token cannot pick someone else's bucket. Refusal: 429, Retry-After, RATE_LIMITED.
 */
export function useRateLimit(config: RateLimitConfig, onLimited: () => void): Plugin[] {
  const { requestsPerSecond, burst, maxClients, trustProxy } = config.security.rateLimit;
  if (requestsPerSecond === 0) return [];
  const limiter = new RateLimiter(requestsPerSecond, burst, maxClients);
  return [
    {
      onContextBuilding({ context }) {
        const { request, jwt, req } = context as { request: Request; jwt?: VerifiedToken; req?: IncomingMessage };
        const decision = limiter.take(clientKey(config, request, jwt, req, trustProxy));
        if (decision.allowed) return;
        onLimited();
        throw createGraphQLError(`too many requests; retry in ${decision.retryAfterSeconds} s`, {
          extensions: { code: 'RATE_LIMITED', http: { status: 429, headers: { 'retry-after': String(decision.retryAfterSeconds) } } },
        });
      },
    },
  ];
}

function clientKey(config: RateLimitConfig, request: Request, jwt: VerifiedToken | undefined, req: IncomingMessage | undefined, trustProxy: boolean): string {
  const caller = callerOf(config, request, jwt);
  if (caller.kind === 'user') return `user:${caller.id}`;
  return `address:${clientAddress(request, req, trustProxy)}`;
}

/** The socket's peer address; with `trustProxy`, the address the one proxy in front saw (last X-Forwarded-For entry). */
function clientAddress(request: Request, req: IncomingMessage | undefined, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = request.headers.get('x-forwarded-for')?.split(',').at(-1)?.trim();
    if (forwarded) return forwarded;
  }
  return req?.socket.remoteAddress ?? 'unknown';
}
