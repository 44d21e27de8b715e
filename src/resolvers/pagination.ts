import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { MAX_CATALOG_CURSOR_JSON_BYTES } from '../sources/catalog.js';

export const MAX_PAGE_SIZE = 100;

/**
 * Where a page starts: the catalog's own cursor (null = the beginning) and items to skip after
 * it. `skip` is at most MAX_PAGE_SIZE: cursors point into the page they were issued for.
 */
export interface PagePosition {
  upstreamCursor: string | null;
  skip: number;
}

const MAC_BYTES = 16;
/**
 * Longest cursor accepted: the longest `encodeCursor` can build, a tag and `[catalogCursor,skip]`
 * with the longest catalog cursor the source lets through and a skip of MAX_PAGE_SIZE, in
 * unpadded base64url. A longer one is not ours; every one we hand out fits.
 */
const MAX_CURSOR_CHARS = Math.ceil(((MAC_BYTES + MAX_CATALOG_CURSOR_JSON_BYTES + `[,${MAX_PAGE_SIZE}]`.length) * 4) / 3);

/**
 * Without `security.cursorSecret`, cursors are signed with a key of this process: they stay
 * valid until it restarts, and only here (see docs/security.md on several replicas).
 */
const PROCESS_SECRET = randomBytes(32);

/** Checks `first` against 1…100 with a message that names the allowed range. */
export function validatePageSize(first: number): number {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw new GraphQLError(`first must be between 1 and ${MAX_PAGE_SIZE}, got ${first}`, { extensions: { code: 'BAD_USER_INPUT' } });
  }
  return first;
}

function mac(secret: string | undefined, payload: Buffer): Buffer {
  return createHmac('sha256', secret ?? PROCESS_SECRET).update(payload).digest().subarray(0, MAC_BYTES);
}

/**
 * Edge cursors are opaque to clients: base64url of an HMAC tag and `[catalogCursor, skip]`, so any
 * edge, not only the last, can resume pagination, and a client cannot make one up: a forged cursor
 * could otherwise make Ballast read (and cache) as much of the catalog as it names.
 */
export function encodeCursor(position: PagePosition, secret?: string): string {
  const payload = Buffer.from(JSON.stringify([position.upstreamCursor, position.skip]));
  return Buffer.concat([mac(secret, payload), payload]).toString('base64url');
}

export function decodeCursor(after: string | null | undefined, secret?: string): PagePosition {
  if (after === null || after === undefined) return { upstreamCursor: null, skip: 0 };
  const known = recentlyVerified.get(after);
  if (known && known.secret === secret) return known.position;
  const position = after.length <= MAX_CURSOR_CHARS ? verified(Buffer.from(after, 'base64url'), secret) : undefined;
  if (position) {
    // Bounded by starting over; only cursors that passed the HMAC check get in, so a client
    // cannot fill it with forgeries.
    if (recentlyVerified.size >= VERIFIED_ENTRIES) recentlyVerified.clear();
    recentlyVerified.set(after, { secret, position: Object.freeze(position) });
    return position;
  }
  throw new GraphQLError('after is not a cursor returned by this API', { extensions: { code: 'BAD_USER_INPUT' } });
}

/**
 * Cursors this process verified lately: clients page through the same catalog, and the HMAC is
 * ~1% of a paged request's CPU (bench/README.md). 1,024 entries of at most MAX_CURSOR_CHARS (1,395) each.
 */
const VERIFIED_ENTRIES = 1024;
const recentlyVerified = new Map<string, { secret: string | undefined; position: PagePosition }>();

function verified(raw: Buffer, secret: string | undefined): PagePosition | undefined {
  if (raw.length <= MAC_BYTES) return undefined;
  const payload = raw.subarray(MAC_BYTES);
  if (!timingSafeEqual(raw.subarray(0, MAC_BYTES), mac(secret, payload))) return undefined;
  try {
    const decoded: unknown = JSON.parse(payload.toString('utf8'));
    if (!Array.isArray(decoded) || decoded.length !== 2) return undefined;
    const [upstreamCursor, skip] = decoded as [unknown, unknown];
    const validSkip = Number.isInteger(skip) && (skip as number) >= 0 && (skip as number) <= MAX_PAGE_SIZE;
    if ((upstreamCursor === null || typeof upstreamCursor === 'string') && validSkip) return { upstreamCursor, skip: skip as number };
  } catch {
    // signed by us but not a position: cannot happen unless the format changed; refused below
  }
  return undefined;
}
