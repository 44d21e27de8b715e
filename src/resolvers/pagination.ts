import { GraphQLError } from 'graphql';

export const MAX_PAGE_SIZE = 100;

/** Where a page starts: the catalog's own cursor (null = the beginning) and items to skip after it. */
export interface PagePosition {
  upstreamCursor: string | null;
  skip: number;
}

/** Checks `first` against 1…100 with a message that names the allowed range. */
export function validatePageSize(first: number): number {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw new GraphQLError(`first must be between 1 and ${MAX_PAGE_SIZE}, got ${first}`, { extensions: { code: 'BAD_USER_INPUT' } });
  }
  return first;
}

/**
 * Edge cursors are opaque to clients: base64url of `[catalogCursor, skip]`, so any edge, not only
 * the last, can resume pagination even though the catalog only hands out page-end cursors.
 */
export function encodeCursor(position: PagePosition): string {
  return Buffer.from(JSON.stringify([position.upstreamCursor, position.skip])).toString('base64url');
}

export function decodeCursor(after: string | null | undefined): PagePosition {
  if (after === null || after === undefined) return { upstreamCursor: null, skip: 0 };
  try {
    const decoded: unknown = JSON.parse(Buffer.from(after, 'base64url').toString('utf8'));
    if (Array.isArray(decoded) && decoded.length === 2) {
      const [upstreamCursor, skip] = decoded as [unknown, unknown];
      if ((upstreamCursor === null || typeof upstreamCursor === 'string') && Number.isInteger(skip) && (skip as number) >= 0 && (skip as number) <= 10_000) {
        return { upstreamCursor, skip: skip as number };
      }
    }
  } catch {
    // fall through to the error below
  }
  throw new GraphQLError('after is not a cursor returned by this API', { extensions: { code: 'BAD_USER_INPUT' } });
}
