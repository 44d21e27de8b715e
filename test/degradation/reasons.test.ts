import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEGRADATION_REASONS } from '../../src/degradation/reasons.js';
import { BulkheadFullError, CircuitOpenError, DeadlineExceededError, UpstreamBadResponseError, UpstreamTimeoutError, UpstreamUnavailableError } from '../../src/errors.js';

describe('the reason codes have one home: src/degradation/reasons.ts', () => {
  it('lists exactly the six codes of the degradation contract, each with the meaning docs/degradation.md gives', () => {
    const doc = readFileSync('docs/degradation.md', 'utf8');
    const table = doc.slice(doc.indexOf('## Reason codes'), doc.indexOf('### Refusals that are not degradation'));
    const documented = [...table.matchAll(/^\| `([A-Z_]+)` \| (.+) \|$/gm)].map((row) => [row[1], row[2]!.replace(/`/g, '')]);
    expect(Object.entries(DEGRADATION_REASONS)).toEqual(documented);
    expect(Object.keys(DEGRADATION_REASONS)).toEqual(['UPSTREAM_TIMEOUT', 'UPSTREAM_UNAVAILABLE', 'CIRCUIT_OPEN', 'BULKHEAD_FULL', 'UPSTREAM_BAD_RESPONSE', 'DEADLINE_EXCEEDED']);
  });

  it('every error class the layers raise carries one of those codes', () => {
    const raised = [UpstreamTimeoutError, UpstreamUnavailableError, CircuitOpenError, BulkheadFullError, UpstreamBadResponseError, DeadlineExceededError].map((Raised) => new Raised('inventory', 'x').code);
    expect(raised).toEqual(Object.keys(DEGRADATION_REASONS));
  });

  it('imports nothing, so every layer may import it', () => {
    expect(readFileSync('src/degradation/reasons.ts', 'utf8')).not.toMatch(/^\s*(import|export .* from)\b/m);
  });
});
