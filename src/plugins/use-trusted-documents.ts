import { readFileSync } from 'node:fs';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { Plugin } from 'graphql-yoga';
import type { BallastConfig } from '../config-schema.js';
import { ConfigError } from '../config.js';

/** The slice of the config trusted documents read. */
export type TrustedDocumentsConfig = Pick<BallastConfig, 'trustedDocuments'>;

/**
 * Trusted documents: with `trustedDocuments.manifest` set, Ballast runs only the operations in
 * that file (hash → document, as graphql-codegen's client preset writes `persisted-documents.json`).
 * Clients send `{"documentId": "<hash>"}` or Apollo's `extensions.persistedQuery.sha256Hash`.
 */
export function useTrustedDocuments(config: TrustedDocumentsConfig): Plugin[] {
  const { manifest, allowArbitraryOperations } = config.trustedDocuments;
  if (!manifest) return [];
  const documents = readManifest(manifest);
  return [
    usePersistedOperations({
      getPersistedOperation: (hash) => documents.get(hash) ?? null,
      allowArbitraryOperations,
      extractPersistedOperationId: (params) => {
        const body = params as { documentId?: unknown; extensions?: { persistedQuery?: { sha256Hash?: unknown } } };
        const id = body.documentId ?? body.extensions?.persistedQuery?.sha256Hash;
        return typeof id === 'string' ? id.replace(/^sha256:/, '') : null;
      },
    }),
  ];
}

function readManifest(path: string): Map<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`trustedDocuments.manifest ${path}: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Object.values(parsed).every((value) => typeof value === 'string')) {
    throw new ConfigError(`trustedDocuments.manifest ${path}: expected an object of hash → document strings`);
  }
  return new Map(Object.entries(parsed as Record<string, string>).map(([hash, document]) => [hash.replace(/^sha256:/, ''), document]));
}
