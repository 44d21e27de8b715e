import { z } from 'zod';

import { faultSchema } from '../faults/contract.js';
import type { Fault } from '../faults/contract.js';

export { faultSchema } from '../faults/contract.js';
export type { Fault } from '../faults/contract.js';

/**
 * The active fault of one service and a counter that spreads `errorRate` deterministically:
 * request n fails when floor((n + 1) × rate) > floor(n × rate).
 */
export class FaultState {
  #faults: Fault[] = [{}];
  #counter = 0;

  /** The fault in force (the next one of a scenario). */
  get current(): Fault {
    return this.#faults[this.#counter % this.#faults.length]!;
  }

  set(fault: Fault): void {
    this.replay([fault]);
  }

  /** Applies `faults` to successive requests, cycling: request n gets faults[n % length]. */
  replay(faults: Fault[]): void {
    this.#faults = faults.length ? faults : [{}];
    this.#counter = 0;
  }

  clear(): void {
    this.set({});
  }

  /** Consumes one request: the fault it gets and whether its `errorRate` says this one fails. */
  next(): { fault: Fault; shouldError: boolean } {
    const n = this.#counter++;
    const fault = this.#faults[n % this.#faults.length]!;
    const rate = fault.errorRate ?? 0;
    return { fault, shouldError: Math.floor((n + 1) * rate) > Math.floor(n * rate) };
  }
}

export const scenarioSchema = z.strictObject({ source: z.string().optional(), faults: z.array(faultSchema).max(1000) });

const KEY_FIELDS = new Set(['id', 'productId', 'userId']);

/** The same shape with every scalar's type flipped; key fields stay, so each item fails on its own. */
export function corruptTypes(value: unknown, key?: string): unknown {
  if (key !== undefined && KEY_FIELDS.has(key)) return value;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return value.length;
  if (Array.isArray(value)) return value.every((item) => typeof item === 'string') ? value.join(',') : value.map((item) => corruptTypes(item));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([field, inner]) => [field, corruptTypes(inner, field)]));
  }
  return value;
}

/** Whether `fault` changes any item of a healthy answer (most requests: none, and the body is sent as is). */
export function hasItemFaults(fault: Fault): boolean {
  return Boolean(fault.badItemIds?.length || fault.wrongCurrencyIds?.length || fault.hugeNumberIds?.length || fault.negativeNumberIds?.length || fault.duplicateItemIds?.length || fault.nullItem || fault.keylessItem);
}

/** Wrong-but-well-formed items: the faults a schema check alone would let through, each on the ids named. */
export function applyItemFaults(items: Array<Record<string, unknown>>, fault: Fault): unknown[] {
  const idOf = (item: Record<string, unknown>): string => String(item.productId ?? item.id);
  const named = (ids: string[] | undefined, item: Record<string, unknown>): boolean => ids?.includes(idOf(item)) ?? false;
  const result: unknown[] = items.map((item) => {
    if (named(fault.wrongCurrencyIds, item)) return { ...item, currency: 'EUR' };
    if (named(fault.hugeNumberIds, item)) return mapNumbers(item, () => fault.hugeNumber ?? 2 ** 31);
    if (named(fault.negativeNumberIds, item)) return mapNumbers(item, (value) => -Math.max(1, value));
    return item;
  });
  for (const item of items) if (named(fault.duplicateItemIds, item)) result.push(otherCopy(item));
  if (fault.nullItem) result.push(null);
  if (fault.keylessItem) result.push(withoutKeys(items[0] ?? {}));
  return result;
}

function mapNumbers(item: Record<string, unknown>, change: (value: number) => number): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).map(([field, value]) => [field, typeof value === 'number' ? change(value) : value]));
}

function otherCopy(item: Record<string, unknown>): Record<string, unknown> {
  // Keys and the currency stay: the copy is well-formed, only its values differ.
  const changed = (field: string, value: unknown): unknown => (typeof value === 'string' && !KEY_FIELDS.has(field) && field !== 'currency' ? `${value} (other copy)` : value);
  return mapNumbers(Object.fromEntries(Object.entries(item).map(([field, value]) => [field, changed(field, value)])), (value) => value + 1);
}

function withoutKeys(item: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).filter(([field]) => !KEY_FIELDS.has(field)));
}
