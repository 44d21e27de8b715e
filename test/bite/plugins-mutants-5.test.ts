import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ExecutionResult } from 'graphql';
import { raceDeadline } from '../../src/plugins/use-answer-by-deadline.js';

/**
 * Survivors of the mutation run of src/plugins/use-answer-by-deadline.ts (docs/testing.md,
 * "Mutation testing"): `raceDeadline` when execution fails (rejects or throws), at a cut time
 * exactly equal to now (a frozen `performance.now()`, so "equal" is not left to the clock's
 * resolution), and never counting a cut once execution answered.
 */

const CUT_ANSWER = { data: null, errors: [expect.objectContaining({ message: 'the request deadline passed before the query finished', extensions: { code: 'DEADLINE_EXCEEDED' } })] };
const never = (): Promise<ExecutionResult> => new Promise<never>(() => undefined);

describe('raceDeadline when execution fails', () => {
  it('an execution that rejects rejects with its own error, and no cut is counted afterwards, even past the cut time', async () => {
    let cuts = 0;
    let check!: () => void;
    // Far enough that the rejection must come first, near enough that a swallowed one ends as the cut answer, not a hang.
    let cutAt = performance.now() + 2000;
    const failure = new Error('execution failed');
    await expect(raceDeadline(() => Promise.reject(failure), () => cutAt, () => cuts++, (watch) => (check = watch))).rejects.toBe(failure);
    cutAt = performance.now() - 1;
    check();
    expect(cuts).toBe(0);
  });

  it('an execution that throws at once rejects with what it threw', async () => {
    let cuts = 0;
    const failure = new Error('thrown before any promise');
    const execute = (): ExecutionResult => {
      throw failure;
    };
    await expect(raceDeadline(execute, () => performance.now() + 2000, () => cuts++)).rejects.toBe(failure);
    expect(cuts).toBe(0);
  });
});

describe('raceDeadline once execution answered', () => {
  it('a result that came first is answered, and a check after the (fixed) cut time counts no cut', async () => {
    let cuts = 0;
    let check!: () => void;
    let cutAt = performance.now() + 60_000;
    const result = { data: { ok: true } };
    expect(await raceDeadline(() => Promise.resolve(result), () => cutAt, () => cuts++, (watch) => (check = watch))).toBe(result);
    cutAt = performance.now() - 1;
    check();
    expect(cuts).toBe(0);
  });
});

describe('raceDeadline at a cut time equal to now (performance.now() frozen)', () => {
  afterEach(() => vi.useRealTimers());

  it('a cut time already reached before execution is a cut: nothing executes', async () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    let executed = 0;
    let cuts = 0;
    const now = performance.now();
    const answer = await raceDeadline(() => ((executed += 1), { data: {} }), () => now, () => cuts++);
    expect(answer).toEqual(CUT_ANSWER);
    expect({ executed, cuts }).toEqual({ executed: 0, cuts: 1 });
  });

  it('the request\'s own check cuts when now equals the cut time', async () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    let cuts = 0;
    let check!: () => void;
    let cutAt = performance.now() + 5000;
    const racing = raceDeadline(never, () => cutAt, () => cuts++, (watch) => (check = watch));
    cutAt = performance.now();
    check();
    // Cut by the check itself, at once: not by the timer seconds later.
    expect(cuts).toBe(1);
    expect(await racing).toEqual(CUT_ANSWER);
  });
});
