import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { StaleStore } from '../../src/degradation/stale-cache.js';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/** Documented promises no other test held (issue 15), each against a real gateway and real upstreams. */
let harness: Harness | undefined;
afterEach(async () => {
  harness?.reset();
  await harness?.close();
  harness = undefined;
});

const SECRET_DETAIL = 'redis at 10.0.0.7:6379 refused AUTH for user ballast-prod';

/** A shared stale store that fails the way a broken backend would: with an internal message. */
const brokenStore: StaleStore = {
  get: () => Promise.reject(new Error(SECRET_DETAIL)),
  set: () => true,
  close: () => Promise.resolve(),
};

async function priceWithBrokenStore(mode: 'production' | 'development'): Promise<Awaited<ReturnType<Harness['query']>>> {
  harness = await startHarness(
    { mode, sources: { pricing: { retry: { maxAttempts: 1 }, breaker: { enabled: false } } } },
    { hostStaleStore: brokenStore },
  );
  harness.service('pricing').setFault({ errorRate: 1, errorStatus: 503 });
  return harness.query(`{ product(id: "p-0001") { id price { amount } } }`);
}

describe('production error masking', () => {
  it('in production an internal error reaches the client as "Unexpected error." with no trace of its message', async () => {
    const { status, body } = await priceWithBrokenStore('production');
    expect(status).toBe(200);
    expect(body.data).toEqual({ product: { id: 'p-0001', price: null } });
    expect(body.errors).toEqual([{ message: 'Unexpected error.', locations: [{ line: 1, column: 30 }], path: ['product', 'price'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
    expect(JSON.stringify(body)).not.toContain('10.0.0.7');
    // The gateway keeps serving.
    harness!.reset();
    expect((await harness!.query(`{ product(id: "p-0002") { id } }`)).body).toEqual({ data: { product: { id: 'p-0002' } } });
  });

  it('in development the same error shows its message, for the developer', async () => {
    const { body } = await priceWithBrokenStore('development');
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0]!.message).toBe('Unexpected error.');
    expect(JSON.stringify(body.errors![0]!.extensions)).toContain(SECRET_DETAIL);
  });
});

describe('CSRF prevention', () => {
  it('refuses a multipart/form-data POST (a "simple" cross-site request) without a CSRF header, and keeps serving', async () => {
    harness = await startHarness();
    const form = new FormData();
    form.set('operations', JSON.stringify({ query: '{ product(id: "p-0001") { id } }' }));
    form.set('map', '{}');
    const response = await fetch(`${harness.url}/graphql`, { method: 'POST', body: form });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ errors: [{ message: 'Required CSRF header(s) not present' }] });
    expect(harness.service('catalog').requestCount).toBe(0);
    expect((await harness.query(`{ product(id: "p-0001") { id } }`)).body).toEqual({ data: { product: { id: 'p-0001' } } });
  });
});

describe('trustedDocuments.allowArbitraryOperations', () => {
  const DOCUMENT = 'query Trusted($id: ID!) { product(id: $id) { id } }';
  const hash = createHash('sha256').update(DOCUMENT).digest('hex');

  function manifestFile(): string {
    const path = join(mkdtempSync(join(tmpdir(), 'ballast-bite-')), 'persisted-documents.json');
    writeFileSync(path, JSON.stringify({ [hash]: DOCUMENT }));
    return path;
  }

  async function post(body: unknown): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${harness!.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, body: await response.json() };
  }

  it('true: a full document not in the manifest runs, and manifest hashes still do', async () => {
    harness = await startHarness({ mode: 'production', trustedDocuments: { manifest: manifestFile(), allowArbitraryOperations: true } });
    expect(await post({ query: '{ product(id: "p-0003") { id } }' })).toEqual({ status: 200, body: { data: { product: { id: 'p-0003' } } } });
    expect(await post({ documentId: hash, variables: { id: 'p-0004' } })).toEqual({ status: 200, body: { data: { product: { id: 'p-0004' } } } });
  });

  it('false (the default): the same full document is refused before any upstream is called', async () => {
    harness = await startHarness({ mode: 'production', trustedDocuments: { manifest: manifestFile() } });
    const refused = await post({ query: '{ product(id: "p-0003") { id } }' });
    expect(refused.body).not.toHaveProperty('data');
    expect(JSON.stringify(refused.body)).toMatch(/PersistedQueryOnly/);
    expect(harness.service('catalog').requestCount).toBe(0);
    expect(await post({ documentId: hash, variables: { id: 'p-0004' } })).toEqual({ status: 200, body: { data: { product: { id: 'p-0004' } } } });
  });
});
