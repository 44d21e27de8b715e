import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../src/http/retry-after.js';

describe('parseRetryAfter', () => {
  it('reads delta-seconds', () => expect(parseRetryAfter('2')).toBe(2000));
  it('reads an HTTP-date relative to now', () => {
    const now = Date.parse('2026-11-28T10:00:00Z');
    expect(parseRetryAfter('Sat, 28 Nov 2026 10:00:03 GMT', now)).toBe(3000);
    expect(parseRetryAfter('Sat, 28 Nov 2026 09:00:00 GMT', now)).toBe(0);
  });
  it('ignores absent or garbage values', () => {
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter('-1')).toBeUndefined();
  });
  // Each case below kills a mutant the three above let live (docs/testing.md, "Scores measured").
  it('reads several digits, surrounding spaces and the first of repeated headers', () => {
    expect(parseRetryAfter('120')).toBe(120_000);
    expect(parseRetryAfter(' 7 ')).toBe(7000);
    expect(parseRetryAfter(['3', '9'])).toBe(3000);
  });
  it('refuses a fraction or a number with a tail rather than reading its digits', () => {
    expect(parseRetryAfter('2.5')).toBeUndefined();
    expect(parseRetryAfter('5x')).toBeUndefined();
    expect(parseRetryAfter('')).toBeUndefined();
    expect(parseRetryAfter('   ')).toBeUndefined();
  });
  it('reads an HTTP-date in capitals (header values are not case-normalised)', () => {
    const now = Date.parse('2026-11-28T10:00:00Z');
    expect(parseRetryAfter('SAT, 28 NOV 2026 10:00:03 GMT', now)).toBe(3000);
  });
});
