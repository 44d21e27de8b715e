import { z } from 'zod';
import { answerFor, parseBody } from './object-response.js';
import { defineSource, onePerKey } from './define.js';
import { pathSegment } from './path-segment.js';

const favoritesSchema = z.object({ userId: z.string(), productIds: z.array(z.string()) });
export type FavoritesRecord = z.infer<typeof favoritesSchema>;

/** Users' favorite product ids, one request per user. */
export const favorites = defineSource({
  name: 'favorites',
  operations: {
    /** `GET /favorites/{userId}`; 404 means none. */
    favorites: onePerKey<FavoritesRecord>({
      path: (userId) => `/favorites/${pathSegment(userId)}`,
      route: '/favorites/{userId}',
      parse: (body, userId, { source }) => {
        const record = parseBody(source, body, favoritesSchema);
        return answerFor(source, userId, record.userId, record);
      },
      notFound: (userId) => ({ userId, productIds: [] }),
    }),
  },
});
