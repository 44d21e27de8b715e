import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_SOURCE_NAMES } from '../../src/declared/names.js';
import { resolveConfig } from '../../src/config.js';
import { createDemoData } from '../../src/demo/data.js';
import { createLogger } from '../../src/observability/logger.js';
import { createGateway } from '../../src/server.js';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/**
 * Promises of src/plugins that survived the focused mutation runs of use-automatic-persisted-queries,
 * use-trusted-documents and use-cache-control (docs/testing.md § Mutation testing, runs PL-T and
 * PL-C): APQ stays out of the way while only trusted documents run, which requests carry no
 * document id, where a `sha256:` prefix is stripped, a manifest with one non-string document, and
 * the Cache-Control of the production 406 for an HTML request. Real demo upstreams and a real
 * Ballast on loopback, load shedding off; exact answers.
 */
const DATA = createDemoData();
const NAME_OF = (id: string) => DATA.productsById.get(id)!.name;
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
/** Load shedding off: exact answers, even on a machine a mutation run keeps busy. */
const STEADY = { deadlineMs: 10_000, server: { adaptiveLimit: false, maxEventLoopDelayMs: 0, deadlineAdmission: { enabled: false } } };
const FIRST = '{ product(id: "p-0001") { name } }';
const SECOND = '{ product(id: "p-0002") { name } }';
const THIRD = '{ product(id: "p-0003") { name } }';
const FOURTH = '{ product(id: "p-0004") { name } }';
const nameAnswer = (id: string) => ({ status: 200, body: { data: { product: { name: NAME_OF(id) } } } });

async function post(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

const persisted = (hash: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });

function writeManifest(documents: Record<string, unknown>): string {
  const file = join(mkdtempSync(join(tmpdir(), 'ballast-trusted-')), 'persisted-documents.json');
  writeFileSync(file, JSON.stringify(documents));
  return file;
}

/** A hash with `sha256:` put inside it, not in front: only a leading prefix is one. */
const withInnerPrefix = (hash: string): string => `${hash.slice(0, 8)}sha256:${hash.slice(8)}`;

describe('only trusted documents run (a manifest, allowArbitraryOperations false, APQ enabled as by default)', () => {
  let harness: Harness;
  beforeAll(async () => {
    const manifest = writeManifest({
      [`sha256:${sha256(FIRST)}`]: FIRST,
      [sha256(SECOND)]: SECOND,
      [withInnerPrefix(sha256(THIRD))]: THIRD,
      [sha256(FOURTH)]: FOURTH,
    });
    harness = await startHarness({ ...STEADY, mode: 'production', trustedDocuments: { manifest } });
  });
  afterAll(() => harness.close());

  it('APQ is off: a query sent with a hash that is not its own is refused as a full document, not as an APQ mismatch', async () => {
    const answer = await post(harness.url, { query: SECOND, ...persisted(sha256(FIRST)) });
    expect(answer).toEqual({ status: 200, body: { errors: [{ message: 'PersistedQueryOnly', extensions: { code: 'CANNOT_SEND_PQ_ID_AND_BODY' } }] } });
    // Nothing was kept either: the manifest's own document still answers by its hash.
    expect(await post(harness.url, persisted(sha256(FIRST)))).toEqual(nameAnswer('p-0001'));
  });

  it('a body without a document id, or with extensions but no persistedQuery, is told an id is required', async () => {
    const required = { status: 200, body: { errors: [{ message: 'PersistedQueryKeyNotFound', extensions: { code: 'PERSISTED_QUERY_ID_REQUIRED' } }] } };
    expect(await post(harness.url, {})).toEqual(required);
    expect(await post(harness.url, { extensions: {} })).toEqual(required);
    expect(await post(harness.url, { documentId: 42 })).toEqual(required);
    expect(await post(harness.url, persisted(sha256(SECOND)))).toEqual(nameAnswer('p-0002'));
  });

  it('a leading sha256: is stripped from the client\'s id and from the manifest\'s keys, and only a leading one', async () => {
    expect(await post(harness.url, { documentId: sha256(FIRST) })).toEqual(nameAnswer('p-0001'));
    expect(await post(harness.url, { documentId: `sha256:${sha256(SECOND)}` })).toEqual(nameAnswer('p-0002'));
    // An inner "sha256:" is part of the key, on both sides.
    expect(await post(harness.url, { documentId: withInnerPrefix(sha256(THIRD)) })).toEqual(nameAnswer('p-0003'));
    expect(await post(harness.url, { documentId: withInnerPrefix(sha256(FOURTH)) })).toEqual({
      status: 200,
      body: { errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST' } }] },
    });
  });
});

describe('a manifest with one document that is not a string', () => {
  const UNUSED_URLS = Object.fromEntries(ALL_SOURCE_NAMES.map((name) => [name, { url: 'http://127.0.0.1:9' }]));

  it('is refused at start even when the others are strings', () => {
    const manifest = writeManifest({ [sha256(FIRST)]: FIRST, [sha256(SECOND)]: { query: SECOND } });
    const start = () =>
      createGateway(resolveConfig({ port: 0, host: '127.0.0.1', logLevel: 'silent', sources: UNUSED_URLS }, { trustedDocuments: { manifest } }), {
        logger: createLogger('silent'),
        processMetrics: false,
      });
    expect(start).toThrow(`trustedDocuments.manifest ${manifest}: expected an object of hash → document strings`);
  });
});

describe('Cache-Control of an HTML request in production (GraphiQL off)', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ ...STEADY, mode: 'production' });
  });
  afterAll(() => harness.close());

  it('the 406 without a content type is still a GraphQL answer: no-store, and the gateway keeps serving', async () => {
    const page = await fetch(`${harness.url}/graphql`, { headers: { accept: 'text/html' } });
    expect({ status: page.status, contentType: page.headers.get('content-type'), cacheControl: page.headers.get('cache-control'), body: await page.text() }).toEqual({
      status: 406,
      contentType: null,
      cacheControl: 'no-store',
      body: '',
    });
    expect(await post(harness.url, { query: FIRST })).toEqual(nameAnswer('p-0001'));
  });
});
