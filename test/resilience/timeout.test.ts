import { describe, expect, it } from 'vitest';
import { linkedTimeout, sleep } from '../../src/resilience/timeout.js';

describe('linkedTimeout', () => {
  it('aborts with its own reason after ms', async () => {
    const timeout = linkedTimeout(undefined, 10, () => new Error('attempt timed out'));
    await new Promise((resolve) => timeout.signal.addEventListener('abort', resolve));
    expect((timeout.signal.reason as Error).message).toBe('attempt timed out');
    timeout.dispose();
  });

  it('aborts with the parent reason when the parent aborts first, and dispose stops the timer', async () => {
    const parent = new AbortController();
    const timeout = linkedTimeout(parent.signal, 10_000, () => new Error('never'));
    parent.abort(new Error('deadline'));
    expect((timeout.signal.reason as Error).message).toBe('deadline');
    timeout.dispose();
  });

  it('starts aborted under an aborted parent', () => {
    const parent = new AbortController();
    parent.abort(new Error('gone'));
    expect(linkedTimeout(parent.signal, 1000, () => new Error('x')).signal.aborted).toBe(true);
  });
});

describe('sleep', () => {
  it('rejects with the abort reason', async () => {
    const controller = new AbortController();
    const waiting = sleep(10_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
  });
});
