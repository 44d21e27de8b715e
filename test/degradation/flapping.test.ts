import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fault } from '../../src/demo/index.js';
import { sleep, startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/** Seconds of flapping; FLAP_SECONDS=60 for a longer soak. */
const SECONDS = Number(process.env.FLAP_SECONDS ?? 20);
const FAILING: Fault[] = [{ errorRate: 1 }, { hang: true }, { reset: true }, { malformedJson: true }, { latencyMs: 2000 }];
const STATUSES = new Set(['IN_STOCK', 'LOW_STOCK', 'OUT_OF_STOCK', 'UNKNOWN']);

let harness: Harness;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  harness = await startHarness({ sources: { inventory: { breaker: { volumeThreshold: 5, resetTimeoutMs: 500 } } } });
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await harness.close();
});

describe(`inventory flapping every second for ${SECONDS} s under steady load`, () => {
  it('never answers non-200, never leaks a rejection, always answers well-formed', { timeout: (SECONDS + 30) * 1000 }, async () => {
    const endAt = Date.now() + SECONDS * 1000;
    let flips = 0;
    const flapper = (async () => {
      while (Date.now() < endAt) {
        if (flips % 2 === 0) harness.service('inventory').setFault(FAILING[(flips / 2) % FAILING.length]!);
        else harness.service('inventory').clearFault();
        flips++;
        await sleep(1000);
      }
      harness.service('inventory').clearFault();
    })();

    const problems: string[] = [];
    let answered = 0;
    let degraded = 0;
    const client = async (): Promise<void> => {
      while (Date.now() < endAt) {
        const { status, body } = await harness.query(`{ products(first: 5) { nodes { id name inventory { available status } } } }`);
        answered++;
        if (body.extensions?.degraded) degraded++;
        const nodes = (body.data?.products as { nodes?: Array<{ id: string; inventory: { status: string } }> } | undefined)?.nodes;
        if (status !== 200) problems.push(`status ${status}`);
        else if (!nodes || nodes.length !== 5) problems.push(`malformed: ${JSON.stringify(body).slice(0, 200)}`);
        else if (!nodes.every((node) => STATUSES.has(node.inventory.status))) problems.push('bad status');
        await sleep(20);
      }
    };
    await Promise.all([flapper, client(), client(), client(), client()]);

    expect(problems).toEqual([]);
    expect(unhandled).toEqual([]);
    expect(answered).toBeGreaterThan(SECONDS * 10);
    expect(degraded).toBeGreaterThan(0);
    expect(degraded).toBeLessThan(answered);
  });
});
