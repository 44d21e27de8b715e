import { z } from 'zod';
import { UpstreamBadResponseError } from '../errors.js';
import { checkedParse } from './item-check.js';
import { parseBody } from './object-response.js';
import { batchByKey, defineSource, idsParam } from './define.js';

export const catalogProductSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  description: z.string().nullable().optional(),
  category: z.string().nullable().optional(),
});
export type CatalogProduct = z.infer<typeof catalogProductSchema>;

// Items are checked one by one (pageOf): one bad product must not cost the whole page.
export const pageSchema = z.object({ items: z.array(z.unknown()), nextCursor: z.string().nullable().optional() });
export interface CatalogPage {
  items: CatalogProduct[];
  nextCursor: string | null;
  /** Where bad items were left out: for each, how many good items came before it. */
  omittedAt?: number[];
}

/**
 * The page's good products; each bad one is left out and its position kept, so the field can
 * report it. A product listed twice is bad in every place: which copy is right cannot be known.
 */
function pageOf(items: readonly unknown[], nextCursor: string | null): CatalogPage {
  const parsed = items.map((raw) => checkedParse(catalogProductSchema, raw));
  const seen = new Map<string, number>();
  for (const product of parsed) if (product.success) seen.set(product.data.id, (seen.get(product.data.id) ?? 0) + 1);
  const good: CatalogProduct[] = [];
  const omittedAt: number[] = [];
  for (const product of parsed) {
    if (product.success && seen.get(product.data.id) === 1) good.push(product.data);
    else omittedAt.push(good.length);
  }
  return omittedAt.length ? { items: good, nextCursor, omittedAt } : { items: good, nextCursor };
}

/** A page request as a loader key; `pageKey` builds it so equal pages share one call. */
export function pageKey(limit: number, cursor: string | null): string {
  return JSON.stringify([limit, cursor]);
}

/**
 * The longest catalog `nextCursor` Ballast carries, in bytes of its JSON string. Ballast's own
 * cursors wrap it (src/resolvers/pagination.ts sizes what it accepts back from this), so a longer
 * one is a bad response when it arrives rather than a cursor refused when the client returns it
 * (docs/architecture.md § Contract: the upstream REST services).
 */
export const MAX_CATALOG_CURSOR_JSON_BYTES = 1024;
// With the `u` flag a surrogate pair is one code point: only a lone surrogate matches.
const LONE_SURROGATE = /\p{Surrogate}/u;
// JSON writes one UTF-16 unit in at most 6 bytes (`\u0001`): a cursor this short fits without measuring.
const SURELY_FITS_UNITS = Math.floor((MAX_CATALOG_CURSOR_JSON_BYTES - 2) / 6);

/**
 * The page answer within the contract: at most `limit` products (one more would be shown, or its
 * cursor skip products never shown) and a cursor Ballast can hand out and take back. Copies of one
 * id count once: a product listed twice is a bad item of the page (`pageOf`), not an extra one.
 */
function withinContract(source: string, page: z.infer<typeof pageSchema>, limit: number): z.infer<typeof pageSchema> {
  if (page.items.length > limit) {
    const products = distinctIds(page.items);
    if (products > limit) throw new UpstreamBadResponseError(source, `${source} answered ${products} products when asked for at most ${limit}`);
  }
  const cursor = page.nextCursor;
  // A lone surrogate cannot be percent-encoded for the next page's request (encodeURIComponent throws).
  if (cursor && LONE_SURROGATE.test(cursor)) throw new UpstreamBadResponseError(source, `${source} answered a nextCursor that is not well-formed Unicode`);
  if (cursor && cursor.length > SURELY_FITS_UNITS) {
    const bytes = Buffer.byteLength(JSON.stringify(cursor));
    if (bytes > MAX_CATALOG_CURSOR_JSON_BYTES) throw new UpstreamBadResponseError(source, `${source} answered a nextCursor of ${bytes} bytes as JSON, more than the ${MAX_CATALOG_CURSOR_JSON_BYTES} Ballast carries`);
  }
  return page;
}

/** How many products a page lists: items with distinct ids, and each item without a string id. */
function distinctIds(items: readonly unknown[]): number {
  const ids = new Set<unknown>();
  let withoutId = 0;
  for (const item of items) {
    const id = typeof item === 'object' && item !== null ? (item as { id?: unknown }).id : undefined;
    if (typeof id === 'string') ids.add(id);
    else withoutId++;
  }
  return ids.size + withoutId;
}

function pagePath(limit: number, cursor: string | null): string {
  return `/products?limit=${limit}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
}

/** The product catalog. Critical: without it a page has nothing to show, so /health reports its open breaker. */
export const catalog = defineSource({
  name: 'catalog',
  policy: { critical: true },
  operations: {
    /** Products by id: `GET /products?ids=p-0001,p-0002`. */
    productById: batchByKey({ path: (ids) => `/products?ids=${idsParam(ids)}`, item: catalogProductSchema, keyField: 'id' }),
    /**
     * A page in catalog order: `GET /products?limit=20&cursor=C`. No default: an empty page would
     * tell the client the catalog is empty when it is down (docs/degradation.md).
     */
    productPage: {
      batch: false,
      load: (keys, { fetch, source }) =>
        Promise.all(
          keys.map(async (key): Promise<CatalogPage> => {
            const [limit, cursor] = JSON.parse(key) as [number, string | null];
            const page = await fetch({ method: 'GET', path: pagePath(limit, cursor), idempotent: true, parse: ({ body }) => withinContract(source, parseBody(source, body, pageSchema), limit) });
            return pageOf(page.items, page.nextCursor ?? null);
          }),
        ),
    },
  },
});
