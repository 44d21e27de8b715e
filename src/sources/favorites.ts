import { z } from 'zod';
import { parseBody } from './batch-response.js';
import { defineOperation } from './operation.js';

const favoritesSchema = z.object({ userId: z.string(), productIds: z.array(z.string()) });
export type FavoritesRecord = z.infer<typeof favoritesSchema>;

/** A user's favorite product ids: `GET /favorites/{userId}`; 404 means none. One request per user. */
export const favoritesByUserId = defineOperation<FavoritesRecord>({
  source: 'favorites',
  name: 'favoritesByUserId',
  batch: false,
  async load(keys, { fetch }) {
    return Promise.all(
      keys.map(async (userId) => {
        return fetch({
          method: 'GET',
          path: `/favorites/${encodeURIComponent(userId)}`,
          idempotent: true,
          acceptStatuses: [404],
          parse: ({ status, body }) => (status === 404 ? { userId, productIds: [] } : parseBody('favorites', body, favoritesSchema)),
        });
      }),
    );
  },
});
