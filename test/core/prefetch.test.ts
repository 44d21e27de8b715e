import { Kind, parse } from 'graphql';
import type { FragmentDefinitionNode, GraphQLResolveInfo, OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { createContext } from '../../src/context.js';
import { prefetchChildren } from '../../src/resolvers/prefetch.js';
import type { ChildLoad } from '../../src/resolvers/prefetch.js';
import { createBallastSchema } from '../../src/schema.js';
import type { Operations } from '../../src/sources/bind.js';

const schema = createBallastSchema();

/** The resolve info of the document's first root field, enough for the selection walk. */
function infoOf(document: string): GraphQLResolveInfo {
  const parsed = parse(document);
  const operation = parsed.definitions.find((node): node is OperationDefinitionNode => node.kind === Kind.OPERATION_DEFINITION)!;
  const fragments = Object.fromEntries(
    parsed.definitions.filter((node): node is FragmentDefinitionNode => node.kind === Kind.FRAGMENT_DEFINITION).map((node) => [node.name.value, node]),
  );
  const root = operation.selectionSet.selections[0]!;
  return { fieldNodes: [root], fragments, schema } as unknown as GraphQLResolveInfo;
}

/** A child load that records what it was asked to start. */
function recording(field: string): { load: ChildLoad<string>; started: string[][] } {
  const started: string[][] = [];
  return { started, load: { paths: [['nodes'], ['edges', 'node']], type: 'Product', field, start: (_context, items) => (started.push([...items]), Promise.resolve()) } };
}

const context = () => createContext({ config: resolveConfig({}), operations: {} as Operations }, new Request('http://127.0.0.1/graphql'));

describe('prefetchChildren', () => {
  it.each([
    ['a selected field', '{ products { nodes { price { amount } } } }', true],
    ['a field under edges.node, aliased', '{ products { edges { node { p: price { amount } } } } }', true],
    ['a field inside a named fragment', '{ products { nodes { ...P } } } fragment P on Product { price { amount } }', true],
    ['a field inside an inline fragment', '{ products { nodes { ... on Product { price { amount } } } } }', true],
    ['a field not selected', '{ products { nodes { id inventory { status } } } }', false],
    ['a field with @skip', '{ products { nodes { price @skip(if: false) { amount } } } }', false],
    ['a fragment with @defer', '{ products { nodes { ... @defer { price { amount } } } } }', false],
    ['an unknown fragment', '{ products { nodes { ...Missing } } }', false],
  ])('%s → %s', async (_name, document, expected) => {
    const { load, started } = recording('price');
    await prefetchChildren(context(), infoOf(document), ['p-1', 'p-2'], [load]);
    expect(started).toEqual(expected ? [['p-1', 'p-2']] : []);
  });

  it('answers each field and path of one document on its own, the same on every request (the walk is memoised per document)', async () => {
    const info = infoOf('{ products { edges { node { inventory { status } } } } }');
    for (let request = 0; request < 3; request++) {
      const price = recording('price');
      const inventory = recording('inventory');
      await prefetchChildren(context(), info, ['p-1'], [price.load, inventory.load]);
      expect(price.started).toEqual([]);
      expect(inventory.started).toEqual([['p-1']]);
    }
    // Another field node of the same shape asked twice in one field (`products` merged): walked, not memoised.
    const merged = infoOf('{ products { nodes { price { amount } } } }');
    const twice = { ...merged, fieldNodes: [merged.fieldNodes[0]!, merged.fieldNodes[0]!] } as GraphQLResolveInfo;
    const price = recording('price');
    await prefetchChildren(context(), twice, ['p-1'], [price.load]);
    expect(price.started).toEqual([['p-1']]);
  });

  it('starts nothing for an empty list, and waits for what it started even when it fails', async () => {
    const { load, started } = recording('price');
    await prefetchChildren(context(), infoOf('{ products { nodes { price { amount } } } }'), [], [load]);
    expect(started).toEqual([]);
    const failing: ChildLoad<string> = { ...load, start: () => Promise.reject(new Error('down')) };
    await expect(prefetchChildren(context(), infoOf('{ products { nodes { price { amount } } } }'), ['p-1'], [failing])).resolves.toBeUndefined();
  });
});
