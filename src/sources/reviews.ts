import { z } from 'zod';
import { batchByKey, defineSource, idsParam } from './define.js';

/** One reviews item as the upstream sends it. Edit to match your service. */
const reviewsItemSchema = z.object({ productId: z.string(), value: z.string() });
export type ReviewsRecord = z.infer<typeof reviewsItemSchema>;

/** Reviews: `GET /reviews?ids=…` answering `{"items":[{"productId","value"}]}`. URL from REVIEWS_URL. */
export const reviews = defineSource({
  name: 'reviews',
  // Code defaults for this source; config and env override them. E.g. { timeoutMs: 800, maxStaleMs: 60_000 }
  policy: {},
  operations: {
    reviewsByProductId: batchByKey<ReviewsRecord>({
      path: (ids) => `/reviews?ids=${idsParam(ids)}`,
      item: reviewsItemSchema,
      keyField: 'productId',
    }),
  },
});
