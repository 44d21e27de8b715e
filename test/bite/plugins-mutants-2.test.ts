import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoData } from '../../src/demo/data.js';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/**
 * Promises of src/plugins that survived the focused mutation runs of use-rate-limit,
 * use-automatic-persisted-queries and use-trusted-documents (docs/testing.md § Mutation testing):
 * the rate limit off by default, APQ turned off, and APQ beside a manifest that still allows
 * arbitrary operations. Real demo upstreams and a real Ballast on loopback; exact answers.
 */
const DATA = createDemoData();
const NAME_OF = (id: string) => DATA.productsById.get(id)!.name;
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
/** Load shedding off: exact answers, even on a machine a mutation run keeps busy. */
const STEADY = { deadlineMs: 10_000, server: { adaptiveLimit: false, maxEventLoopDelayMs: 0, deadlineAdmission: { enabled: false } } };
const NAME_QUERY = '{ product(id: "p-0001") { name } }';
const PRICE_QUERY = '{ product(id: "p-0002") { name } }';

async function post(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

const persisted = (hash: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });

describe('the rate limit is off by default', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness(STEADY);
  });
  afterAll(() => harness.close());

  it('25 requests from one address (more than the default burst of 20) are all answered', async () => {
    const statuses: number[] = [];
    for (let index = 0; index < 25; index += 1) statuses.push((await harness.query(NAME_QUERY)).status);
    expect(statuses).toEqual(Array.from({ length: 25 }, () => 200));
  });
});

describe('the rate limit behind a trusted proxy, without a usable X-Forwarded-For', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ ...STEADY, security: { rateLimit: { requestsPerSecond: 0.2, burst: 1, trustProxy: true } } });
  });
  afterAll(() => harness.close());

  it('no header and an empty header both fall back to the socket address: one bucket, so the second is 429', async () => {
    const first = await harness.query(NAME_QUERY);
    expect({ status: first.status, body: first.body }).toEqual({ status: 200, body: { data: { product: { name: NAME_OF('p-0001') } } } });
    const second = await harness.query(NAME_QUERY, undefined, { 'x-forwarded-for': '' });
    expect({ status: second.status, body: second.body }).toEqual({
      status: 429,
      body: { errors: [{ message: 'too many requests; retry in 5 s', extensions: { code: 'RATE_LIMITED' } }] },
    });
    expect((await harness.query(NAME_QUERY, undefined, { 'x-forwarded-for': '10.3.3.3' })).status).toBe(200);
  });
});

describe('identity off (the demo default): an Authorization header is not Ballast\'s to verify', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness(STEADY);
  });
  afterAll(() => harness.close());

  it('a Basic or an unverifiable Bearer header does not stop the query', async () => {
    for (const authorization of ['Basic dXNlcjpwdw==', 'Bearer not-a-jwt']) {
      const { status, body } = await harness.query(NAME_QUERY, undefined, { authorization });
      expect({ authorization, status, body }).toEqual({ authorization, status: 200, body: { data: { product: { name: NAME_OF('p-0001') } } } });
    }
  });
});

describe('automatic persisted queries turned off', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ ...STEADY, mode: 'production', apq: { enabled: false } });
  });
  afterAll(() => harness.close());

  it('a hash-only request is an ordinary request without a query, and a query with its hash is never kept', async () => {
    const hash = sha256(NAME_QUERY);
    const withQuery = await post(harness.url, { query: NAME_QUERY, ...persisted(hash) });
    expect(withQuery).toEqual({ status: 200, body: { data: { product: { name: NAME_OF('p-0001') } } } });
    const hashOnly = await post(harness.url, persisted(hash));
    expect(hashOnly).toEqual({ status: 200, body: { errors: [{ message: 'Must provide query string.', extensions: { code: 'BAD_REQUEST' } }] } });
  });
});

describe('automatic persisted queries beside a manifest that allows arbitrary operations', () => {
  let harness: Harness;
  beforeAll(async () => {
    const manifest = join(mkdtempSync(join(tmpdir(), 'ballast-apq-arbitrary-')), 'persisted-documents.json');
    writeFileSync(manifest, JSON.stringify({ [`sha256:${sha256(NAME_QUERY)}`]: NAME_QUERY }));
    harness = await startHarness({ ...STEADY, mode: 'production', trustedDocuments: { manifest, allowArbitraryOperations: true } });
  });
  afterAll(() => harness.close());

  it('a manifest hash APQ does not know goes on to the manifest and runs', async () => {
    expect(await post(harness.url, persisted(sha256(NAME_QUERY)))).toEqual({ status: 200, body: { data: { product: { name: NAME_OF('p-0001') } } } });
    expect(await post(harness.url, { documentId: sha256(NAME_QUERY) })).toEqual({ status: 200, body: { data: { product: { name: NAME_OF('p-0001') } } } });
  });

  it('an arbitrary query is still kept by APQ and then runs by its hash alone', async () => {
    const hash = sha256(PRICE_QUERY);
    expect(await post(harness.url, { query: PRICE_QUERY, ...persisted(hash) })).toEqual({ status: 200, body: { data: { product: { name: NAME_OF('p-0002') } } } });
    expect(await post(harness.url, persisted(hash))).toEqual({ status: 200, body: { data: { product: { name: NAME_OF('p-0002') } } } });
  });
});
