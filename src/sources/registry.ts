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

/**
 * Operation names are keys of `context.operations` and of each request's loaders, so two sources
 * declaring the same name would silently share one: refused when Ballast starts (this module
 * loads), naming both sources.
 */
export function assertUniqueOperationNames(sources: ReadonlyArray<{ name: string; operations: object }>): void {
  const owners = new Map<string, string>();
  for (const source of sources) {
    for (const operation of Object.keys(source.operations)) {
      const owner = owners.get(operation);
      if (owner !== undefined) throw new Error(`operation name "${operation}" is declared by both ${owner} and ${source.name}: operation names must be unique across sources`);
      owners.set(operation, source.name);
    }
  }
}

assertUniqueOperationNames(SOURCES);

// Compile-time: the registry holds exactly the sources named in ./names.ts (an error here names the mismatch).
type RegisteredName = (typeof SOURCES)[number]['name'];
const _registryMatchesNames: [RegisteredName, SourceName] extends [SourceName, RegisteredName] ? true : never = true;

/** The environment variable holding `name`'s base URL, e.g. `CATALOG_URL`. */
export function urlVariableOf(name: string): string {
  return SOURCES.find((source) => source.name === name)?.urlVariable ?? `${name.toUpperCase()}_URL`;
}
