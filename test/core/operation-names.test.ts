import { describe, expect, it } from 'vitest';
import { assertUniqueOperationNames, SOURCES } from '../../src/sources/registry.js';

describe('operation names are unique across sources', () => {
  it('refuses two sources declaring the same operation name, naming both', () => {
    const sources = [
      { name: 'catalog', operations: { productById: {}, productsPage: {} } },
      { name: 'reviews', operations: { ratingByProductId: {}, productById: {} } },
    ];
    expect(() => assertUniqueOperationNames(sources)).toThrow(
      'operation name "productById" is declared by both catalog and reviews: operation names must be unique across sources',
    );
  });

  it('accepts the registered sources, whose operations are all there by name', () => {
    expect(() => assertUniqueOperationNames(SOURCES)).not.toThrow();
    const names = SOURCES.flatMap((source) => Object.keys(source.operations));
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain('productById');
  });
});
