import type { MoneyResolvers } from '../generated/resolvers-types.js';

const formatters = new Map<string, Intl.NumberFormat>();

function formatterFor(currency: string): Intl.NumberFormat {
  let formatter = formatters.get(currency);
  if (!formatter) {
    formatter = new Intl.NumberFormat('en-US', { style: 'currency', currency });
    formatters.set(currency, formatter);
  }
  return formatter;
}

/** Formats minor units with the currency's own number of decimals (2 for USD, 0 for JPY). */
export function formatMoney(amount: number, currency: string): string {
  const formatter = formatterFor(currency);
  const digits = formatter.resolvedOptions().maximumFractionDigits ?? 2;
  return formatter.format(amount / 10 ** digits);
}

export const Money: MoneyResolvers = {
  formatted: (money) => formatMoney(money.amount, money.currency),
};
