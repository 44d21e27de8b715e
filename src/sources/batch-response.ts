import { z } from 'zod';
import { UpstreamBadResponseError } from '../errors.js';
import { asIsCheck, checkedParse } from './item-check.js';
import type { AsIsCheck } from './item-check.js';

export const envelope = z.object({ items: z.array(z.unknown()) });

/**
 * Maps a batch answer `{"items":[...]}` back to `keys`, in key order. An item that fails
 * `itemSchema`, or a key answered twice, fails its own key only; a body without an `items` array,
 * or with more items than `maxItemsFor(keys.length)`, fails the whole batch. An omitted key is
 * "not found" (null), unless the answer also holds an item that cannot be matched to a key (null,
 * not an object, no string key): that item may be any of the keys not otherwise answered, so each
 * of them is a bad answer rather than absent. Only items of keys asked for are checked: an item
 * nobody asked for is never read past its key. See docs/degradation.md ("Wrong answers").
 */
export function itemsByKey<T>(
  source: string,
  body: unknown,
  keys: readonly string[],
  itemSchema: z.ZodType<T>,
  keyField: string,
): Array<T | null | Error> {
  const parsed = checkedParse(envelope, body);
  if (!parsed.success) throw new UpstreamBadResponseError(source, `${source} answered without an items array`);
  const { items } = parsed.data;
  const maxItems = maxItemsFor(keys.length);
  if (items.length > maxItems) {
    throw new UpstreamBadResponseError(source, `${source} answered ${items.length} items when asked for ${keys.length} key(s) (at most ${maxItems} are read)`);
  }
  // Raw items by key, checked below only for the keys asked; a key answered twice holds a marker
  // JSON.parse cannot make.
  const found = new Map<string, unknown>();
  let unmatched = 0;
  for (const raw of items) {
    const key = keyOf(raw, keyField);
    if (key === undefined) unmatched += 1;
    else found.set(key, found.has(key) ? ANSWERED_TWICE : raw);
  }
  const passesAsIs = asIsCheck(itemSchema);
  return keys.map((key) => {
    const raw = found.get(key);
    if (raw === undefined) return unmatched > 0 ? unmatchedItems(source, unmatched) : null;
    if (raw === ANSWERED_TWICE) return new UpstreamBadResponseError(source, `${source} answered item ${key} more than once`);
    return parseItem(source, key, raw, itemSchema, passesAsIs);
  });
}

/**
 * The most items a batch answer for `keyCount` keys may hold: twice the keys, plus 16. Every key
 * answered twice and a few items nobody asked for still fit (each duplicate is a bad item of its
 * own); an answer past it is not an answer to this request, and reading it would cost the event
 * loop for items nobody asked for.
 */
export function maxItemsFor(keyCount: number): number {
  return 2 * keyCount + 16;
}

const ANSWERED_TWICE = Symbol('answered twice');

function parseItem<T>(source: string, key: string, raw: unknown, itemSchema: z.ZodType<T>, passesAsIs: AsIsCheck): T | Error {
  // The raw item when zod would accept it unchanged (no copy); otherwise zod's own answer and
  // message. A key the type lacks (a declared Money's productId) is stripped by zod's copy, as the
  // stale cache is held to keep only checked fields (test/sources/declared-pricing.test.ts).
  if (passesAsIs(raw)) return raw as T;
  const item = itemSchema.safeParse(raw);
  return item.success ? item.data : badItem(source, key, item.error);
}

function unmatchedItems(source: string, count: number): UpstreamBadResponseError {
  return new UpstreamBadResponseError(source, `${source} answered ${count} item(s) without a key: this key may be one of them`);
}

export { answerFor, parseBody } from './object-response.js';

/** Encodes ids for a `?ids=` list: a comma or slash inside an id cannot split or redirect the query. */
export function idsParam(keys: readonly string[]): string {
  return keys.map(encodeURIComponent).join(',');
}

function keyOf(raw: unknown, keyField: string): string | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const key = (raw as Record<string, unknown>)[keyField];
  return typeof key === 'string' ? key : undefined;
}

function badItem(source: string, key: string, error: z.ZodError): UpstreamBadResponseError {
  const issue = error.issues[0];
  return new UpstreamBadResponseError(source, `${source} item ${key}: ${issue ? `${issue.path.join('.')} ${issue.message}` : 'invalid'}`);
}
