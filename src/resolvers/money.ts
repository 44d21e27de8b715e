import type { MoneyResolvers } from '../generated/resolvers-types.js';

interface Formatter {
  format: Intl.NumberFormat['format'];
  /** 10 ^ the currency's minor-unit digits (100 for USD, 1 for JPY). */
  minorUnits: number;
}

const formatters = new Map<string, Formatter>();

function formatterFor(currency: string): Formatter {
  let formatter = formatters.get(currency);
  if (!formatter) {
    const intl = new Intl.NumberFormat('en-US', { style: 'currency', currency });
    formatter = { format: intl.format, minorUnits: 10 ** (intl.resolvedOptions().maximumFractionDigits ?? 2) };
    formatters.set(currency, formatter);
  }
  return formatter;
}

/** Formats minor units with the currency's own number of decimals (2 for USD, 0 for JPY). */
export function formatMoney(amount: number, currency: string): string {
  const { format, minorUnits } = formatterFor(currency);
  return format(amount / minorUnits);
}

export const Money: MoneyResolvers = {
  formatted: (money) => formatMoney(money.amount, money.currency),
};
