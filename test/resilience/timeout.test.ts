import { describe, expect, it } from 'vitest';
import { CallAbort, sleep } from '../../src/resilience/timeout.js';

describe('CallAbort', () => {
  it('runs each listener once, on the first abort, and keeps the first reason', () => {
    const signal = new CallAbort();
    const calls: string[] = [];
    const removed = (): number => calls.push('removed');
    signal.addEventListener('abort', () => calls.push(`a:${(signal.reason as Error).message}`));
    signal.addEventListener('abort', removed);
    signal.removeEventListener('abort', removed);
    signal.abort(new Error('first'));
    signal.abort(new Error('second'));
    expect(signal.aborted).toBe(true);
    expect(calls).toEqual(['a:first']);
    expect((signal.reason as Error).message).toBe('first');
  });

  it('cancels a real undici request, which rejects with its reason', async () => {
    const { createServer } = await import('node:http');
    const { Pool } = await import('undici');
    const server = createServer(() => undefined); // never answers
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const pool = new Pool(`http://127.0.0.1:${port}`);
    const signal = new CallAbort();
    const pending = pool.request({ method: 'GET', path: '/', signal: signal as unknown as AbortSignal });
    setTimeout(() => signal.abort(new Error('gave up')), 20);
    await expect(pending).rejects.toThrow('gave up');
    await pool.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
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
