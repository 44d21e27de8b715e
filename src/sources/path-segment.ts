/**
 * One path segment of an upstream URL built from caller input (a user id). `encodeURIComponent`
 * takes care of `/`, `?`, `#`, `\` and `%`, but leaves `.` alone, and a segment that is `.` or
 * `..` is resolved away by every URL parser on the way (WHATWG URL resolves `%2E%2E` too), so
 * `/carts/..` would become `/`. Those, and the empty segment, are refused (docs/security.md).
 */
export function pathSegment(value: string): string {
  if (!isSafePathSegment(value)) throw new UnsafePathSegmentError(value);
  return encodeURIComponent(value);
}

export function isSafePathSegment(value: string): boolean {
  return value !== '' && value !== '.' && value !== '..';
}

export class UnsafePathSegmentError extends Error {
  constructor(value: string) {
    super(`"${value}" cannot be used as an id: empty, "." and ".." are not allowed`);
    this.name = 'UnsafePathSegmentError';
  }
}
