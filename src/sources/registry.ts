import type { SourceName } from './names.js';
import { cart } from './cart.js';
import { catalog } from './catalog.js';
import { favorites } from './favorites.js';
import { inventory } from './inventory.js';
import { pricing } from './pricing.js';
import { reviews } from './reviews.js';
// ballast:source-imports (npm run new-source adds imports above this line)

/** Every upstream source Ballast knows, in display order. Adding one: docs/adding-a-data-source.md. */
export const SOURCES = [
  catalog,
  inventory,
  pricing,
  cart,
  favorites,
  reviews,
  // ballast:source-list (npm run new-source adds sources above this line)
] as const;

// Compile-time: the registry holds exactly the sources named in ./names.ts (an error here names the mismatch).
type RegisteredName = (typeof SOURCES)[number]['name'];
const _registryMatchesNames: [RegisteredName, SourceName] extends [SourceName, RegisteredName] ? true : never = true;

/** The environment variable holding `name`'s base URL, e.g. `CATALOG_URL`. */
export function urlVariableOf(name: string): string {
  return SOURCES.find((source) => source.name === name)?.urlVariable ?? `${name.toUpperCase()}_URL`;
}
