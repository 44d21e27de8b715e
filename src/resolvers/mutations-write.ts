import { createHash, randomUUID } from 'node:crypto';
import type { GraphQLResolveInfo } from 'graphql';
import { GraphQLError } from 'graphql';
import type { BallastContext } from '../context.js';
import { UpstreamError } from '../errors.js';
import { assertMayRead, callerOf } from '../identity.js';
import type { BoundOperation } from '../sources/operation.js';
import { isSafePathSegment } from '../sources/path-segment.js';
import { IDEMPOTENCY_KEY_HEADER, withIdempotencyKey } from '../sources/write.js';
import type { WriteSpec } from '../sources/write.js';

// How a mutation field reaches its source: who may write, what input is refused before any call,
// which idempotency key goes upstream, and what a failed write answers (docs/degradation.md, "Writes").

/** Product ids as the catalog names them (`p-0001`): a letter or digit first, so never "." or "..". */
const PRODUCT_ID = /^[A-Za-z0-9][\w.:-]{0,63}$/;
/** A client's `Idempotency-Key`: visible ASCII, as the IETF draft's examples (a UUID, usually). */
const CLIENT_KEY = /^[\x21-\x7e]{1,255}$/;

function badInput(message: string, argument: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', argument } });
}

/** The caller may change `userId`'s data, and the product id is one the upstream path can carry. */
export function checkWriteTarget(context: BallastContext, userId: string, productId: string): void {
  assertMayRead(callerOf(context.config, context.request, context.jwt), userId, 'change');
  if (!PRODUCT_ID.test(productId) || !isSafePathSegment(productId)) {
    throw badInput(`"${productId.slice(0, 70)}" is not a product id (letters, digits, "_", ".", ":", "-"; at most 64)`, 'productId');
  }
}

/** A quantity from 1 to `writes.maxQuantity`. */
export function checkQuantity(context: BallastContext, quantity: number): void {
  const max = context.config.writes.maxQuantity;
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > max) throw badInput(`quantity must be a whole number from 1 to ${max}, got ${quantity}`, 'quantity');
}

/**
 * The key this mutation field is sent upstream with, the same for each of its retries. Without a
 * client `Idempotency-Key` a fresh one per field; with one, a key derived from it, the user and
 * the field's response key (its alias), so each field of a request gets its own key and the same
 * request sent again gets the same keys: the upstream answers the replays without applying them.
 */
export function idempotencyKeyFor(context: BallastContext, info: GraphQLResolveInfo, userId: string): string {
  const offered = context.request.headers.get(IDEMPOTENCY_KEY_HEADER);
  if (offered === null) return randomUUID();
  if (!CLIENT_KEY.test(offered)) throw badInput('the Idempotency-Key header must be 1 to 255 visible ASCII characters', IDEMPOTENCY_KEY_HEADER);
  return createHash('sha256').update(`${offered}\n${userId}\n${String(info.path.key)}`).digest('base64url');
}

/**
 * Sends `spec` through `operation`'s source, then makes the answer what this request (its
 * loaders) and later degraded reads (the stale cache) know for `key`. A failure is the field's
 * coded error, recorded with fallback NULL: a write has no stale or default value to fall back on.
 */
export async function runWrite<V extends object>(context: BallastContext, info: GraphQLResolveInfo, operation: BoundOperation<V>, key: string, spec: WriteSpec<V>): Promise<V> {
  const idempotencyKey = idempotencyKeyFor(context, info, key);
  let value: V;
  try {
    value = await context.loads.write(operation, withIdempotencyKey(spec, idempotencyKey));
  } catch (error) {
    if (!(error instanceof UpstreamError)) throw error;
    context.degradation.record({ source: error.source, reason: error.code, fallback: 'NULL', path: info.path });
    const status = error.status !== undefined && error.status < 500 ? { upstreamStatus: error.status } : {};
    throw new GraphQLError(`the write to ${error.source} failed (${error.code}); it may be retried with the same Idempotency-Key`, { extensions: { code: error.code, source: error.source, ...status } });
  }
  operation.stale.set(key, value, Date.now(), true);
  context.loads.replace(operation, key, value);
  return value;
}
