import { z } from 'zod';
import { parseBody } from './batch-response.js';
import { batchByKey, defineSource, idsParam } from './define.js';

export const catalogProductSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  description: z.string().nullable().optional(),
  category: z.string().nullable().optional(),
});
export type CatalogProduct = z.infer<typeof catalogProductSchema>;

const pageSchema = z.object({ items: z.array(catalogProductSchema), nextCursor: z.string().nullable().optional() });
export interface CatalogPage {
  items: CatalogProduct[];
  nextCursor: string | null;
}

/** A page request as a loader key; `pageKey` builds it so equal pages share one call. */
export function pageKey(limit: number, cursor: string | null): string {
  return JSON.stringify([limit, cursor]);
}

function pagePath(key: string): string {
  const [limit, cursor] = JSON.parse(key) as [number, string | null];
  return `/products?limit=${limit}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
}

/** The product catalog. Critical: without it a page has nothing to show, so /health reports its open breaker. */
export const catalog = defineSource({
  name: 'catalog',
  policy: { critical: true },
  operations: {
    /** Products by id: `GET /products?ids=p-0001,p-0002`. */
    productById: batchByKey({ path: (ids) => `/products?ids=${idsParam(ids)}`, item: catalogProductSchema, keyField: 'id' }),
    /** A page in catalog order: `GET /products?limit=20&cursor=C`. Falls back to an empty page. */
    productPage: {
      batch: false,
      load: (keys, { fetch, source }) =>
        Promise.all(
          keys.map(async (key): Promise<CatalogPage> => {
            const page = await fetch({ method: 'GET', path: pagePath(key), idempotent: true, parse: ({ body }) => parseBody(source, body, pageSchema) });
            return { items: page.items, nextCursor: page.nextCursor ?? null };
          }),
        ),
      defaultValue: (): CatalogPage => ({ items: [], nextCursor: null }),
    },
  },
});
