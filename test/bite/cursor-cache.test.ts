import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../src/resolvers/pagination.js';

const refused = { message: 'after is not a cursor returned by this API', extensions: { code: 'BAD_USER_INPUT' } };

/** Verified cursors are remembered (one HMAC per distinct cursor); nothing unverified is. */
describe('the verified-cursor memo', () => {
  it('answers a cursor seen before with the same position, and a cursor of another secret stays refused', () => {
    const cursor = encodeCursor({ upstreamCursor: 'c-40', skip: 3 }, 'secret-a');
    expect(decodeCursor(cursor, 'secret-a')).toEqual({ upstreamCursor: 'c-40', skip: 3 });
    expect(decodeCursor(cursor, 'secret-a')).toEqual({ upstreamCursor: 'c-40', skip: 3 });
    expect(() => decodeCursor(cursor, 'secret-b')).toThrow(expect.objectContaining(refused));
    expect(() => decodeCursor(cursor, undefined)).toThrow(expect.objectContaining(refused));
  });

  it('refuses every altered cursor, however many genuine ones it remembers', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.integer({ min: 0, max: 100 }), fc.nat(), fc.integer({ min: 1, max: 63 }), (upstream, skip, at, flip) => {
        const cursor = encodeCursor({ upstreamCursor: upstream, skip }, 's');
        expect(decodeCursor(cursor, 's')).toEqual({ upstreamCursor: upstream, skip });
        const index = at % cursor.length;
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
        const altered = cursor.slice(0, index) + alphabet[(alphabet.indexOf(cursor[index]!) + flip) % 64] + cursor.slice(index + 1);
        // base64url's last character may carry unused bits: an altered one can decode to the same bytes.
        if (Buffer.from(altered, 'base64url').equals(Buffer.from(cursor, 'base64url'))) return;
        expect(() => decodeCursor(altered, 's')).toThrow(expect.objectContaining(refused));
      }),
      { numRuns: 2000 },
    );
  });

  it('hands out a position no caller can change for the next request', () => {
    const cursor = encodeCursor({ upstreamCursor: 'c-7', skip: 1 }, 'k');
    const first = decodeCursor(cursor, 'k');
    expect(() => {
      (first as { skip: number }).skip = 99;
    }).toThrow(TypeError);
    expect(decodeCursor(cursor, 'k')).toEqual({ upstreamCursor: 'c-7', skip: 1 });
  });
});
