import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createDemoData } from '../../src/demo/data.js';
import { createLogger } from '../../src/observability/logger.js';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

type Line = Record<string, unknown>;
function captureLogs(): { lines: Line[]; stream: Writable } {
  const lines: Line[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Line);
      done();
    },
  });
  return { lines, stream };
}

const PRICE = '{ product(id: "p-0002") { id price { amount } } }';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

/** The warnings a call causes name the request that caused it, with no request-wide async scope. */
describe('warnings name the request that caused them', () => {
  it('breaker OPEN and a spent retry budget carry the failing request; HALF_OPEN (a timer) none; CLOSED the probe', async () => {
    const logs = captureLogs();
    harness = await startHarness(
      {
        sources: {
          pricing: {
            maxStaleMs: 0,
            retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2, budgetRatio: 0, budgetMinPerSecond: 0 },
            breaker: { volumeThreshold: 1, errorThresholdPercentage: 10, resetTimeoutMs: 300 },
          },
        },
      },
      { logger: createLogger('warn', logs.stream) },
    );
    // Another request before the failure: the warnings must not name it.
    expect((await harness.query(PRICE, {}, { 'x-request-id': 'r-healthy' })).body.data).toEqual({ product: { id: 'p-0002', price: { amount: createDemoData().prices.get('p-0002') } } });
    harness.service('pricing').setFault({ errorRate: 1, errorStatus: 503 });
    const failed = await harness.query(PRICE, {}, { 'x-request-id': 'r-open', traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` });
    expect(failed.body.data).toEqual({ product: { id: 'p-0002', price: null } });

    const warnings = () => logs.lines.filter((line) => line.source === 'pricing' && line.level === 40);
    await expect.poll(() => warnings().filter((line) => line.msg !== 'fields degraded' && line.state !== 'HALF_OPEN').map(({ msg, state, requestId, traceId }) => ({ msg, state, requestId, traceId }))).toEqual([
      { msg: 'breaker transition', state: 'OPEN', requestId: 'r-open', traceId: TRACE_ID },
      { msg: 'retry budget exhausted', state: undefined, requestId: 'r-open', traceId: TRACE_ID },
    ]);

    harness.service('pricing').setFault({});
    await expect.poll(() => warnings().find((line) => line.state === 'HALF_OPEN'), { timeout: 3000 }).toBeDefined();
    expect(Object.keys(warnings().find((line) => line.state === 'HALF_OPEN')!)).not.toContain('requestId');
    const probe = await harness.query(PRICE, {}, { 'x-request-id': 'r-probe' });
    expect(probe.body.extensions?.degraded).toBeUndefined();
    await expect.poll(() => warnings().find((line) => line.state === 'CLOSED')).toMatchObject({ msg: 'breaker transition', requestId: 'r-probe' });
    expect(warnings().find((line) => line.state === 'CLOSED')!.traceId).toBeUndefined();
  });
});
