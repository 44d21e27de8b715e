import perfHooks from 'node:perf_hooks';
import { describe, expect, it, vi } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { ALL_SOURCE_NAMES } from '../../src/declared/names.js';
import { createLogger } from '../../src/observability/logger.js';
import { ReloadableGateway } from '../../src/reload.js';
import { createGateway } from '../../src/server.js';
import type { Gateway } from '../../src/server.js';

/** A gateway whose sources point at a closed port: swapping never calls them. */
function gateway(server?: Gateway['server'], options: { processMetrics?: boolean } = {}): Gateway {
  const config = resolveConfig({ port: 0, host: '127.0.0.1', mode: 'production', logLevel: 'warn' }, { sources: Object.fromEntries(ALL_SOURCE_NAMES.map((name) => [name, { url: 'http://127.0.0.1:9' }])) });
  return createGateway(config, { logger: createLogger('silent'), processMetrics: false, ...options, ...(server ? { server } : {}) });
}

describe('ReloadableGateway.swap', () => {
  it('a hook that throws does not stop the swap: it resolves, the new gateway is current, and the next swap still runs', async () => {
    const first = gateway();
    const second = gateway(first.server);
    const third = gateway(first.server);
    const reloadable = new ReloadableGateway(first);
    try {
      await expect(
        reloadable.swap(second, 0, () => {
          throw new Error('a log line that failed');
        }),
      ).resolves.toBeUndefined();
      expect(reloadable.current).toBe(second);
      await reloadable.swap(third, 0);
      expect(reloadable.current).toBe(third);
    } finally {
      await third.release();
    }
  });
});

describe('a released gateway', () => {
  it('stops everything it started: timers and process collectors do not grow with reloads', async () => {
    const histograms = vi.spyOn(perfHooks, 'monitorEventLoopDelay');
    const observers = vi.spyOn(perfHooks.PerformanceObserver.prototype, 'observe');
    const timers = (): number => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
    const withProcessMetrics = (server?: Gateway['server']): Gateway => gateway(server, { processMetrics: true });
    const first = withProcessMetrics();
    const reloadable = new ReloadableGateway(first);
    const oneGateway = timers();
    const histogramsOfOne = histograms.mock.calls.length;
    const observersOfOne = observers.mock.calls.length;
    try {
      for (let swap = 0; swap < 5; swap++) await reloadable.swap(withProcessMetrics(first.server), 0);
      expect(timers()).toBe(oneGateway);
      // Node's default metrics (event-loop histogram, GC observer) are the process's: started once, not per gateway.
      expect(histograms.mock.calls.length).toBe(histogramsOfOne);
      expect(observers.mock.calls.length).toBe(observersOfOne);
      const scraped = await reloadable.current.state.telemetry.metrics.scrape();
      expect(scraped).toMatch(/^ballast_nodejs_eventloop_lag_seconds \d/m);
      expect(scraped).toMatch(/^ballast_process_cpu_user_seconds_total \d/m);
    } finally {
      histograms.mockRestore();
      observers.mockRestore();
      await reloadable.current.release();
    }
  });
});
