import { afterEach, describe, expect, it, vi } from 'vitest';
import { requestScope } from '../../src/observability/request-scope.js';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { createLogger } from '../../src/observability/logger.js';
import { Writable } from 'node:stream';

const QUERY = '{ product(id: "p-0001") { id name } }';
const discard = () => new Writable({ write: (_chunk, _encoding, done) => done() });

/** The per-request log scope costs a promise hook per promise on Node 20: entered only when warnings print. */
describe('request log scope', () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await harness?.close();
  });

  it('is entered once per request while warnings are written', async () => {
    harness = await startHarness({}, { logger: createLogger('warn', discard()) });
    const run = vi.spyOn(requestScope, 'run');
    const { status, body } = await harness.query(QUERY);
    expect(status).toBe(200);
    expect(body.data).toEqual({ product: { id: 'p-0001', name: 'Cozy Bamboo Trail Pack' } });
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('is skipped at a level that drops warnings, and the answer is the same', async () => {
    harness = await startHarness({}, { logger: createLogger('error', discard()) });
    const run = vi.spyOn(requestScope, 'run');
    const { status, body } = await harness.query(QUERY);
    expect(status).toBe(200);
    expect(body.data).toEqual({ product: { id: 'p-0001', name: 'Cozy Bamboo Trail Pack' } });
    expect(run).not.toHaveBeenCalled();
  });
});
