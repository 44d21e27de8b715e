import { z } from 'zod';
import { batchByKey, defineSource, idsParam } from './define.js';
import { nonNegativeInt32 } from './int32.js';

/** One review summary as the reviews service sends it. */
export const reviewsItemSchema = z.object({ productId: z.string(), average: z.number().min(0).max(5), count: nonNegativeInt32 });
export type ReviewsRecord = z.infer<typeof reviewsItemSchema>;

/** Reviews: `GET /reviews/summary?ids=…` answering `{"items":[{"productId","average","count"}]}`. URL from REVIEWS_URL. */
export const reviews = defineSource({
  name: 'reviews',
  // Ratings move slowly: a ten-minute-old average is still worth showing.
  policy: { maxStaleMs: 600_000 },
  operations: {
    reviewsByProductId: batchByKey<ReviewsRecord>({
      path: (ids) => `/reviews/summary?ids=${idsParam(ids)}`,
      item: reviewsItemSchema,
      keyField: 'productId',
    }),
  },
});
