import { Client, fetchExchange, gql } from '@urql/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/** urql core in Node against a real Ballast with a hung source. */
let harness: Harness;
let client: Client;

beforeAll(async () => {
  harness = await startHarness({ mode: 'production', sources: { inventory: { timeoutMs: 300, maxStaleMs: 0 } } });
  // urql sends queries as GET; a browser GET must carry a CSRF header (docs/clients.md).
  client = new Client({ url: `${harness.url}/graphql`, exchanges: [fetchExchange], requestPolicy: 'network-only', fetchOptions: { headers: { 'x-graphql-yoga-csrf': '1' } } });
});
afterAll(() => harness.close());
// Faults are cleared after every test, even a failing one, so one failure cannot cascade.
afterEach(() => harness.reset());

const PRODUCT = gql`
  query Product($id: ID!) {
    product(id: $id) { id name price { formatted } inventory { available status } }
  }
`;

describe('urql', () => {
  it('gets partial data, the degradation report, and no error for a DEFAULT fallback', async () => {
    harness.service('inventory').setFault({ hang: true });
    const result = await client.query(PRODUCT, { id: 'p-0001' }).toPromise();
    expect(result.error).toBeUndefined();
    expect(result.data).toMatchObject({ product: { id: 'p-0001', name: expect.any(String), price: { formatted: expect.stringMatching(/^\$/) }, inventory: { available: null, status: 'UNKNOWN' } } });
    expect(result.extensions?.degraded).toEqual([{ source: 'inventory', reason: 'UPSTREAM_TIMEOUT', fallback: 'DEFAULT', paths: [['product', 'inventory']] }]);
  });

  it('surfaces a NULL fallback as a CombinedError with the code', async () => {
    harness.service('pricing').setFault({ reset: true });
    const fresh = await client.query(PRODUCT, { id: 'p-0005' }).toPromise();
    expect(fresh.data?.product?.price).toBeNull();
    expect(fresh.error?.graphQLErrors.map((error) => error.extensions.code)).toEqual(['UPSTREAM_UNAVAILABLE']);
  });
});
