import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/**
 * graphql-http's server audits against a real production-mode Ballast. Two deliberate settings:
 * - the audits query `__type`, which production refuses by default, so introspection is on here;
 * - every request carries the CSRF header, as any non-simple browser request must (docs/security.md).
 * With both, every MUST, SHOULD and MAY audit passes; none is listed as an exception.
 */
let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ mode: 'production', security: { introspection: true } });
});
afterAll(() => harness.close());

const withCsrfHeader = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> =>
  fetch(input, { ...init, headers: { ...Object.fromEntries(new Headers(init?.headers).entries()), 'x-graphql-yoga-csrf': '1' } });

describe('GraphQL over HTTP compliance (graphql-http audits)', () => {
  const audits = serverAudits({ url: () => `${harness.url}/graphql`, fetchFn: withCsrfHeader });

  // graphql-http 1.23 has 61 audits: a silently shorter suite would pass with fewer checks.
  it('runs the whole audit suite', () => expect(audits.length).toBe(61));

  it.each(audits.map((audit) => [audit.name, audit] as const))('%s', async (name, audit) => {
    const result = await audit.fn();
    expect(result.status, `${name}: ${'reason' in result ? result.reason : ''}`).toBe('ok');
  });
});
