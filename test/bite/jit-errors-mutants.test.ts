import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/**
 * graphql-jit's errors made to look like the reference executor's (src/plugins/use-jit-error-compatibility.ts):
 * a field error's `locations` rebuilt from source positions on any line, and a variable coercion
 * failure answered as a request error, 400 only for clients that accept
 * application/graphql-response+json (GraphQL over HTTP), 200 for plain JSON.
 */
let harness: Harness;
beforeAll(async () => (harness = await startHarness()));
afterAll(() => harness.close());

const VARIABLE_ERROR = { errors: [{ message: 'Variable "$n" got invalid value "abc"; Expected type Int; Int cannot represent non-integer value: "abc"' }] };
const PAGE_QUERY = 'query($n: Int) { products(first: $n) { nodes { id } } }';

describe('variable coercion failures through graphql-jit', () => {
  it('answer 400 and no data to a client accepting application/graphql-response+json', async () => {
    const { status, body } = await harness.query(PAGE_QUERY, { n: 'abc' }, { accept: 'application/graphql-response+json' });
    expect({ status, body }).toEqual({ status: 400, body: VARIABLE_ERROR });
  });

  it('answer 200 with the same error to a plain application/json client', async () => {
    const { status, body } = await harness.query(PAGE_QUERY, { n: 'abc' }, { accept: 'application/json' });
    expect({ status, body }).toEqual({ status: 200, body: VARIABLE_ERROR });
  });
});

describe('field errors through graphql-jit keep their locations', () => {
  it.each([
    ['\n', 'LF'],
    ['\r\n', 'CRLF'],
    ['\r', 'CR'],
  ])('on the third line of a document with %j line ends (%s): line 3, column 5', async (newline) => {
    const query = ['query Page {', '  __typename', '    products(first: 1000) { nodes { id } }', '}'].join(newline);
    const { status, body } = await harness.query(query);
    expect(status).toBe(200);
    expect(body).toEqual({
      data: { __typename: 'Query', products: null },
      errors: [{ message: 'first must be between 1 and 100, got 1000', locations: [{ line: 3, column: 5 }], path: ['products'], extensions: { code: 'BAD_USER_INPUT' } }],
    });
  });

  it('two errors on different lines each keep their own', async () => {
    const query = '{\n  a: products(first: 0) { nodes { id } }\n  b: products(first: 101) { nodes { id } }\n}';
    const { body } = await harness.query(query);
    expect(body.data).toEqual({ a: null, b: null });
    expect(body.errors).toEqual([
      { message: 'first must be between 1 and 100, got 0', locations: [{ line: 2, column: 3 }], path: ['a'], extensions: { code: 'BAD_USER_INPUT' } },
      { message: 'first must be between 1 and 100, got 101', locations: [{ line: 3, column: 3 }], path: ['b'], extensions: { code: 'BAD_USER_INPUT' } },
    ]);
  });
});
