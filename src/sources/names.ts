/**
 * The names of the upstream sources, in display order: config keys, metric labels,
 * `extensions.degraded[].source`. A list with no imports, so the config can know the sources
 * without loading their code; src/sources/registry.ts is checked against it at compile time.
 * Adding one: docs/adding-a-data-source.md.
 */
export const SOURCE_NAMES = [
  'catalog',
  'inventory',
  'pricing',
  'cart',
  'favorites',
  'reviews',
  // ballast:source-names (npm run new-source adds names above this line)
] as const;

/** Name of an upstream source. */
export type SourceName = (typeof SOURCE_NAMES)[number];
