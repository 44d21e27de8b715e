import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// The one rule for organising resolvers (docs/architecture.md § Where an idea lives): one file per
// schema file, src/resolvers/<x>.ts resolving what schema/<x>.graphql declares or extends.
describe('resolvers are organised one file per schema file', () => {
  const baseNames = (dir: string, extension: string): string[] => readdirSync(dir).filter((file) => file.endsWith(extension)).map((file) => file.slice(0, -extension.length));
  // index.ts merges the maps; the others export one map per type (`Cart: CartResolvers`) or one map of extensions (`reviewsResolvers: Resolvers`).
  const resolverFiles = baseNames('src/resolvers', '.ts').filter((name) => name !== 'index' && /^export const \w+: \w*Resolvers\b/m.test(readFileSync(`src/resolvers/${name}.ts`, 'utf8')));
  // directives.graphql and rest.graphql declare directives only, and a file whose fields are declared
  // with @rest (shipping.graphql) is resolved by src/declared/: nothing to write by hand.
  const declaredOnly = (name: string): boolean => /@rest\(/.test(readFileSync(`schema/${name}.graphql`, 'utf8'));
  const schemaFiles = baseNames('schema', '.graphql').filter((name) => name !== 'directives' && name !== 'rest' && !declaredOnly(name));

  it('every file that exports a resolver map is named after a schema file, and every schema file has one', () => {
    expect(resolverFiles.sort()).toEqual(schemaFiles.sort());
    expect(resolverFiles).toEqual(['cart', 'inventory', 'mutations', 'pricing', 'product', 'query', 'relay', 'reviews']);
  });

  it('each resolver file resolves only types its schema file declares or extends', () => {
    for (const name of resolverFiles) {
      const schema = readFileSync(`schema/${name}.graphql`, 'utf8');
      const declared = new Set([...schema.matchAll(/^(?:extend )?(?:type|interface) (\w+)/gm)].map((match) => match[1]));
      const code = readFileSync(`src/resolvers/${name}.ts`, 'utf8');
      const typed = [...code.matchAll(/^export const \w+: (\w+)Resolvers\b/gm)].map((match) => match[1]!).filter(Boolean);
      const extended = /^export const \w+: Resolvers\b/m.test(code) ? [...code.matchAll(/^ {2}(\w+): \{/gm)].map((match) => match[1]!) : [];
      const resolved = [...typed, ...extended];
      expect(resolved.length, name).toBeGreaterThan(0);
      for (const type of resolved) expect(declared, `src/resolvers/${name}.ts resolves ${type}`).toContain(type);
    }
  });
});
