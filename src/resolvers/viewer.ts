import type { ViewerResolvers } from '../generated/resolvers-types.js';
import { cartOf } from './cart-of.js';
import { favoritesOf } from './favorites.js';

export const Viewer: ViewerResolvers = {
  cart: (viewer, _args, context, info) => cartOf(viewer.id, context, info),
  favorites: (viewer, _args, context, info) => favoritesOf(viewer.id, context, info),
};
