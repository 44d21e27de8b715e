import type { ViewerResolvers } from '../generated/resolvers-types.js';
import { loadDegradable } from './degradable.js';
import { favoritesOf } from './favorites.js';

export const Viewer: ViewerResolvers = {
  cart: (viewer, _args, context, info) => loadDegradable(context, info, context.operations.cart, viewer.id),
  favorites: (viewer, _args, context, info) => favoritesOf(viewer.id, context, info),
};
