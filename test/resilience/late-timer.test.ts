import { describe, expect, it } from 'vitest';
import { LateTimer } from '../../src/resilience/late-timer.js';

/** The timer every time limit uses (src/resilience/late-timer.ts); late-turn.test.ts shows why it runs after the poll phase. */
describe('LateTimer', () => {
  it('runs once after its time; a second start replaces the first; pending until it ran', async () => {
    const runs: number[] = [];
    const started = performance.now();
    const timer = new LateTimer(() => runs.push(Math.round(performance.now() - started)));
    timer.start(200);
    timer.start(20);
    expect(timer.pending).toBe(true);
    await expect.poll(() => runs.length, { timeout: 2_000 }).toBe(1);
    expect(runs[0]).toBeGreaterThanOrEqual(19);
    expect(runs[0]).toBeLessThan(200);
    expect(timer.pending).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(runs).toHaveLength(1);
  });

  it('cleared, it never runs', async () => {
    let ran = false;
    const timer = new LateTimer(() => (ran = true));
    timer.start(10);
    timer.clear();
    expect(timer.pending).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(ran).toBe(false);
  });
});
