import { z } from 'zod';
import { UpstreamBadResponseError } from '../errors.js';

const envelope = z.object({ items: z.array(z.unknown()) });

/**
 * Maps a batch answer `{"items":[...]}` back to `keys`, in key order. An omitted key is "not
 * found" (null); an item that fails `itemSchema` fails its own key only; a body without an
 * `items` array fails the whole batch.
 */
export function itemsByKey<T>(
  source: string,
  body: unknown,
  keys: readonly string[],
  itemSchema: z.ZodType<T>,
  keyField: string,
): Array<T | null | Error> {
  const parsed = envelope.safeParse(body);
  if (!parsed.success) throw new UpstreamBadResponseError(source, `${source} answered without an items array`);
  const found = new Map<string, T | Error>();
  for (const raw of parsed.data.items) {
    const key = keyOf(raw, keyField);
    if (key === undefined) continue;
    const item = itemSchema.safeParse(raw);
    found.set(key, item.success ? item.data : badItem(source, key, item.error));
  }
  return keys.map((key) => found.get(key) ?? null);
}

/** Parses a whole single-object answer (a cart, a favorites list, a page). */
export function parseBody<T>(source: string, body: unknown, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw badPayload(source, parsed.error);
  return parsed.data;
}

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

function badPayload(source: string, error: z.ZodError): UpstreamBadResponseError {
  const issue = error.issues[0];
  return new UpstreamBadResponseError(source, `${source} answered an unexpected shape${issue ? ` (${issue.path.join('.') || 'body'}: ${issue.message})` : ''}`);
}
