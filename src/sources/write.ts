import type { CallSpec } from '../resilience/pipeline.js';

/**
 * A write a source declares: method, path, body and how to read the answer. The caller adds the
 * idempotency key (which is what makes a write safe to retry, docs/security.md) before it is sent.
 */
export type WriteSpec<V> = Omit<CallSpec<V>, 'idempotent' | 'headers'> & { method: 'POST' | 'PUT' | 'DELETE' };

/** The header every write carries upstream (docs/architecture.md § Contract: the upstream REST services). */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/** `spec` ready for the pipeline: sent with `key`, and retried (with the same key) like a read. */
export function withIdempotencyKey<V>(spec: WriteSpec<V>, key: string): CallSpec<V> {
  return { ...spec, idempotent: true, headers: { [IDEMPOTENCY_KEY_HEADER]: key } };
}
