import type { MoneyResolvers } from '../generated/resolvers-types.js';

interface Formatter {
  format: Intl.NumberFormat['format'];
  /** Recent results by amount: Intl formatting is ~1 µs a call, and the same prices recur. */
  memo: Map<number, string>;
  /** 10 ^ the currency's minor-unit digits (100 for USD, 1 for JPY). */
  minorUnits: number;
}

const formatters = new Map<string, Formatter>();
/** Memo of one currency: 10,000 short strings, well under 1 MB. */
const MEMO_ENTRIES = 10_000;
/**
 * Currencies come from pricing's answers, so their number is the upstream's to choose: past this
 * many, start over, keeping the memos' total bounded (~16 × 1 MB).
 */
const MAX_CURRENCIES = 16;

function formatterFor(currency: string): Formatter {
  let formatter = formatters.get(currency);
  if (!formatter) {
    const intl = new Intl.NumberFormat('en-US', { style: 'currency', currency });
    formatter = { format: intl.format, memo: new Map(), minorUnits: 10 ** (intl.resolvedOptions().maximumFractionDigits ?? 2) };
    if (formatters.size >= MAX_CURRENCIES) formatters.clear();
    formatters.set(currency, formatter);
  }
  return formatter;
}

/** Formats minor units with the currency's own number of decimals (2 for USD, 0 for JPY). */
export function formatMoney(amount: number, currency: string): string {
  const { format, memo, minorUnits } = formatterFor(currency);
  let text = memo.get(amount);
  if (text === undefined) {
    text = format(amount / minorUnits);
    // Bounded by starting over: cheaper than LRU bookkeeping, and refilling costs little.
    if (memo.size >= MEMO_ENTRIES) memo.clear();
    memo.set(amount, text);
  }
  return text;
}

export const Money: MoneyResolvers = {
  formatted: (money) => formatMoney(money.amount, money.currency),
};
