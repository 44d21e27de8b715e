import { z } from 'zod';
import { idsParam, itemsByKey, parseBody } from './batch-response.js';
import { defineOperation } from './operation.js';

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

/** Products by id: `GET /products?ids=p-0001,p-0002`. */
export const productById = defineOperation<CatalogProduct>({
  source: 'catalog',
  name: 'productById',
  async load(keys, { fetch }) {
    return fetch({
      method: 'GET',
      path: `/products?ids=${idsParam(keys)}`,
      idempotent: true,
      parse: ({ body }) => itemsByKey('catalog', body, keys, catalogProductSchema, 'id'),
    });
  },
});

/** A page request as a loader key; `pageKey` builds it so equal pages share one call. */
export function pageKey(limit: number, cursor: string | null): string {
  return JSON.stringify([limit, cursor]);
}

function parsePageKey(key: string): { limit: number; cursor: string | null } {
  const [limit, cursor] = JSON.parse(key) as [number, string | null];
  return { limit, cursor };
}

/** A page in catalog order: `GET /products?limit=20&cursor=C`. Falls back to an empty page. */
export const productPage = defineOperation<CatalogPage>({
  source: 'catalog',
  name: 'productPage',
  batch: false,
  async load(keys, { fetch }) {
    return Promise.all(
      keys.map(async (key) => {
        const { limit, cursor } = parsePageKey(key);
        const query = `limit=${limit}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
        const page = await fetch({ method: 'GET', path: `/products?${query}`, idempotent: true, parse: ({ body }) => parseBody('catalog', body, pageSchema) });
        return { items: page.items, nextCursor: page.nextCursor ?? null };
      }),
    );
  },
  defaultValue: () => ({ items: [], nextCursor: null }),
});
