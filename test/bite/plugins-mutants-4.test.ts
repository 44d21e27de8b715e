import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { GraphQLError, parse } from 'graphql';
import type { ExecutionResult } from 'graphql';
import { createSchema, createYoga } from 'graphql-yoga';
import type { Plugin } from 'graphql-yoga';
import { useJitErrorCompatibility } from '../../src/plugins/use-jit-error-compatibility.js';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/**
 * Survivors of the mutation run of src/plugins/use-jit-error-compatibility.ts (docs/testing.md,
 * "Mutation testing"): a result without errors passes untouched through a real Ballast, and, in a
 * real Yoga with graphql-jit and the plugin (no Ballast around them, so the document and the other
 * errors of a result can be chosen): a jit field error keeps its location beside an error another
 * plugin reports without one, and a document parsed without locations leaves its errors as they are.
 */

describe('a result without errors through a real Ballast', () => {
  let harness: Harness;
  beforeAll(async () => (harness = await startHarness()));
  afterAll(() => harness.close());

  it('answers its data exactly, with no errors key', async () => {
    const { status, body } = await harness.query('{ product(id: "p-0001") { id name } }');
    expect({ status, body }).toEqual({ status: 200, body: { data: { product: { id: 'p-0001', name: 'Cozy Bamboo Trail Pack' } } } });
  });
});

const schema = createSchema({
  typeDefs: 'type Query { ok: String, broken: String }',
  resolvers: {
    Query: {
      ok: () => 'yes',
      broken: () => {
        throw new GraphQLError('broken on purpose');
      },
    },
  },
});

/** A plugin after the others that adds an error of its own, without a location, to every result (as a plugin reporting beside execution would). */
function useErrorBeside(): Plugin {
  return {
    onExecute({ executeFn, setExecuteFn }) {
      setExecuteFn(async (args) => {
        const result = (await executeFn(args)) as ExecutionResult;
        return { ...result, errors: [...(result.errors ?? []), new GraphQLError('reported beside execution')] };
      });
    },
  };
}

/** Parses every document without locations (graphql-js's `noLocation`), so `document.loc` is undefined. */
function useParseWithoutLocations(): Plugin {
  return {
    onParse({ setParseFn }) {
      setParseFn((source) => parse(source, { noLocation: true }));
    },
  };
}

async function post(plugins: Plugin[], query: string): Promise<{ status: number; body: unknown }> {
  const yoga = createYoga({ schema, plugins: [useGraphQlJit(), useJitErrorCompatibility(), ...plugins], logging: false });
  const response = await yoga.fetch('http://127.0.0.1/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, body: await response.json() };
}

describe('graphql-jit errors in a real Yoga', () => {
  it('a jit field error keeps its location when another error of the same result has none', async () => {
    const answer = await post([useErrorBeside()], '{\n  ok\n  broken\n}');
    expect(answer).toEqual({
      status: 200,
      body: {
        data: { ok: 'yes', broken: null },
        errors: [{ message: 'broken on purpose', locations: [{ line: 3, column: 3 }], path: ['broken'] }, { message: 'reported beside execution' }],
      },
    });
  });

  it('a document parsed without locations: its field error is answered as it is, without locations', async () => {
    const answer = await post([useParseWithoutLocations()], '{\n  ok\n  broken\n}');
    expect(answer).toEqual({ status: 200, body: { data: { ok: 'yes', broken: null }, errors: [{ message: 'broken on purpose', path: ['broken'] }] } });
  });

  it('a result without errors beside a document parsed without locations is answered untouched', async () => {
    expect(await post([useParseWithoutLocations()], '{ ok }')).toEqual({ status: 200, body: { data: { ok: 'yes' } } });
  });
});
