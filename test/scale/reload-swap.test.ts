import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { ALL_SOURCE_NAMES } from '../../src/declared/names.js';
import { createLogger } from '../../src/observability/logger.js';
import { ReloadableGateway } from '../../src/reload.js';
import { createGateway } from '../../src/server.js';
import type { Gateway } from '../../src/server.js';

/** A gateway whose sources point at a closed port: swapping never calls them. */
function gateway(server?: Gateway['server']): Gateway {
  const config = resolveConfig({ port: 0, host: '127.0.0.1', mode: 'production', logLevel: 'warn' }, { sources: Object.fromEntries(ALL_SOURCE_NAMES.map((name) => [name, { url: 'http://127.0.0.1:9' }])) });
  return createGateway(config, { logger: createLogger('silent'), processMetrics: false, ...(server ? { server } : {}) });
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
