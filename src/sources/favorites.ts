import { z } from 'zod';
import { answerFor, parseBody } from './object-response.js';
import { defineSource, onePerKey } from './define.js';
import { pathSegment } from './path-segment.js';
import type { WriteSpec } from './write.js';

export const favoritesSchema = z.object({ userId: z.string(), productIds: z.array(z.string()) });
export type FavoritesRecord = z.infer<typeof favoritesSchema>;

/** Users' favorite product ids, one request per user. */
export const favorites = defineSource({
  name: 'favorites',
  operations: {
    /** `GET /favorites/{userId}`; 404 means none. */
    // Mutations write it (src/resolvers/mutations.ts): degraded reads ask the shared store first.
    favorites: onePerKey<FavoritesRecord>({
      written: true,
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

/** `PUT` adds, `DELETE` removes `/favorites/{userId}/{productId}`; both answer the user's favorites. */
function favoriteWrite(method: 'PUT' | 'DELETE', userId: string, productId: string): WriteSpec<FavoritesRecord> {
  return {
    method,
    path: `/favorites/${pathSegment(userId)}/${pathSegment(productId)}`,
    route: '/favorites/{userId}/{productId}',
    parse: ({ body }) => {
      const record = parseBody('favorites', body, favoritesSchema);
      return answerFor('favorites', userId, record.userId, record);
    },
  };
}

/** The favorites service's writes (docs/architecture.md § Contract: the upstream REST services). */
export const favoritesWrites = {
  add: (userId: string, productId: string): WriteSpec<FavoritesRecord> => favoriteWrite('PUT', userId, productId),
  remove: (userId: string, productId: string): WriteSpec<FavoritesRecord> => favoriteWrite('DELETE', userId, productId),
};
