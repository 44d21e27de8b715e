import { describe, expect, it } from 'vitest';
import { formatMoney } from '../../src/resolvers/pricing.js';

describe('formatMoney', () => {
  it('formats minor units with the currency\'s own decimals, the same on a repeat (memoised) call', () => {
    expect(formatMoney(123_456, 'USD')).toBe('$1,234.56');
    expect(formatMoney(123_456, 'USD')).toBe('$1,234.56');
    expect(formatMoney(1_234, 'JPY')).toBe('¥1,234');
  });

  it('keeps amounts of different currencies apart, and stays right past its memo size', () => {
    expect(formatMoney(500, 'EUR')).toBe('€5.00');
    for (let amount = 0; amount < 12_000; amount++) formatMoney(amount, 'EUR');
    expect(formatMoney(500, 'EUR')).toBe('€5.00');
    expect(formatMoney(500, 'USD')).toBe('$5.00');
  });
});
