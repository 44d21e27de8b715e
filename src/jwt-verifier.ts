import { createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import type { JWTHeaderParameters, JWTPayload, ProtectedHeaderParameters } from 'jose';
import type { BallastConfig } from './config-schema.js';

type JwtConfig = BallastConfig['identity']['jwt'];

/** Why a token was refused: sent to the client as `extensions.reason` (docs/security.md). */
export type RefusalReason =
  | 'malformed'
  | 'algorithm_not_allowed'
  | 'unknown_key'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'missing_claim'
  | 'invalid_claim';

/**
 * A token is verified, refused (the caller's fault: 401), or could not be checked now because
 * the identity provider's keys are out of reach (nobody's fault: the request goes on without a
 * caller, public data still answers).
 */
export type Verification =
  | { kind: 'verified'; payload: JWTPayload }
  | { kind: 'refused'; reason: RefusalReason }
  | { kind: 'unavailable' };

export type VerifyToken = (token: string, budgetMs: number) => Promise<Verification>;

class KeysUnavailable extends Error {}
class KeyRefused extends Error {
  constructor(readonly reason: RefusalReason) {
    super(reason);
  }
}

const HMAC = new Set(['HS256', 'HS384', 'HS512']);

/** Verifies signature, algorithm, `exp`/`nbf`, issuer and audience with the configured keys. */
export function createJwtVerifier(jwt: JwtConfig): VerifyToken {
  const secret = jwt.secret ? new TextEncoder().encode(jwt.secret) : undefined;
  const publicKey = jwt.publicKey ? createPublicKey(jwt.publicKey) : undefined;
  const remote = jwt.jwksUrl ? remoteKeys(jwt.jwksUrl, jwt.jwksTimeoutMs, jwt.jwksCooldownMs) : undefined;
  const allowed = new Set<string>(jwt.algorithms);
  const options = {
    algorithms: jwt.algorithms,
    ...(jwt.issuer ? { issuer: jwt.issuer } : {}),
    ...(jwt.audience ? { audience: jwt.audience } : {}),
    requiredClaims: jwt.requireExp ? ['exp'] : [],
  };

  /** HS tokens only ever meet the shared secret: an RS public key is never an HMAC secret. */
  const keyFor = (header: ProtectedHeaderParameters, budgetMs: number): Promise<CryptoKey> | Uint8Array | KeyObject => {
    if (HMAC.has(header.alg!)) {
      if (!secret) throw new KeyRefused('unknown_key');
      return secret;
    }
    if (remote && (header.kid !== undefined || !publicKey)) return remote(header, budgetMs);
    if (!publicKey) throw new KeyRefused('unknown_key');
    return publicKey;
  };

  return async (token, budgetMs) => {
    let header: ProtectedHeaderParameters;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      return { kind: 'refused', reason: 'malformed' };
    }
    // `alg: none` and anything not configured stop here, before any key is looked up.
    if (typeof header.alg !== 'string' || !allowed.has(header.alg)) return { kind: 'refused', reason: 'algorithm_not_allowed' };
    try {
      const key = await keyFor(header, budgetMs);
      const { payload } = await jwtVerify(token, key, options);
      return { kind: 'verified', payload };
    } catch (error) {
      if (error instanceof KeysUnavailable) return { kind: 'unavailable' };
      return { kind: 'refused', reason: error instanceof KeyRefused ? error.reason : refusalReason(error) };
    }
  };
}

/**
 * The JWKS, fetched with its own timeout, cached, and asked again at most once per cooldown:
 * after a failure too, so a hung endpoint costs one fetch per cooldown, not one per request.
 * Each lookup waits at most `budgetMs` (the request's deadline or the timeout, whichever is
 * nearer); a fetch it stops waiting for goes on for the next requests.
 */
function remoteKeys(url: string, timeoutMs: number, cooldownMs: number) {
  const jwks = createRemoteJWKSet(new URL(url), { timeoutDuration: timeoutMs, cooldownDuration: cooldownMs });
  let failedAt = -Infinity;
  return (header: ProtectedHeaderParameters, budgetMs: number): Promise<CryptoKey> => {
    if (performance.now() - failedAt < cooldownMs) return Promise.reject(new KeysUnavailable('JWKS failed recently'));
    // The key set picks by the header's `kid` and `alg`; the token itself is not needed for that.
    const lookup = jwks(header as JWTHeaderParameters, { payload: '', signature: '' }).catch((error: unknown) => {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw new KeyRefused('unknown_key');
      if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) throw new KeyRefused('algorithm_not_allowed');
      failedAt = performance.now();
      throw new KeysUnavailable('JWKS unreachable', { cause: error });
    });
    return withinBudget(lookup, Math.min(budgetMs, timeoutMs));
  };
}

function withinBudget<T>(work: Promise<T>, budgetMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new KeysUnavailable('JWKS lookup exceeded the request budget')), budgetMs);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

function refusalReason(error: unknown): RefusalReason {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return 'wrong_issuer';
    if (error.claim === 'aud') return 'wrong_audience';
    if (error.claim === 'nbf') return 'not_yet_valid';
    return error.reason === 'missing' ? 'missing_claim' : 'invalid_claim';
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm_not_allowed';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad_signature';
  // Wrong key type for the algorithm, unparsable payload, bad encoding: not a token we issued.
  return 'malformed';
}
