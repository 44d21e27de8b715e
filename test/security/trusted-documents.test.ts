import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/** The workflow of docs/security.md, run for real: client preset → persisted-documents.json → Ballast. */
let harness: Harness;
let manifest: Record<string, string>;

beforeAll(async () => {
  const out = mkdtempSync(join(tmpdir(), 'ballast-client-'));
  await generate(
    {
      schema: 'schema/*.graphql',
      documents: 'test/fixtures/client/*.graphql',
      generates: { [`${out}/gql/`]: { preset: 'client', presetConfig: { persistedDocuments: true } } },
      silent: true,
    },
    true,
  );
  const path = join(out, 'gql', 'persisted-documents.json');
  manifest = JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
  harness = await startHarness({ mode: 'production', trustedDocuments: { manifest: path } });
}, 60_000);
afterAll(() => harness.close());

async function post(body: unknown): Promise<{ status: number; body: { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> } }> {
  const response = await fetch(`${harness.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as never };
}

describe('trusted documents', () => {
  it('runs an operation by the hash the client preset gave it', async () => {
    const [hash] = Object.keys(manifest);
    expect(Object.keys(manifest)).toHaveLength(1);
    const { status, body } = await post({ documentId: hash, variables: { id: 'p-0001' } });
    expect(status).toBe(200);
    expect(body).toMatchObject({ data: { product: { id: 'p-0001', name: expect.any(String), price: { formatted: expect.stringMatching(/^\$/) } } } });
  });

  it("accepts Apollo's persistedQuery extension too", async () => {
    const [hash] = Object.keys(manifest);
    const { body } = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } }, variables: { id: 'p-0002' } });
    expect(body).toMatchObject({ data: { product: { id: 'p-0002' } } });
  });

  it('refuses a document sent in full, and an unknown hash', async () => {
    const arbitrary = await post({ query: '{ product(id: "p-0001") { name } }' });
    expect(arbitrary.body.data).toBeUndefined();
    expect(arbitrary.body.errors?.[0]?.message).toMatch(/PersistedQueryOnly|persisted/i);
    const unknown = await post({ documentId: 'f'.repeat(64) });
    expect(unknown.body.errors?.[0]?.message).toMatch(/PersistedQueryNotFound|not found/i);
  });
});
