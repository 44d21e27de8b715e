import cluster from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import type { BallastConfig } from '../config-schema.js';
import { httpDemoControl } from '../faults/http-control.js';
import { localStatus } from '../dashboard/status.js';
import { createGateway } from '../server.js';
import type { FailureSample } from '../observability/failure-samples.js';
import { HostStaleStore } from './host-stale-store.js';
import { askPrimary, serveFromWorker } from './ipc.js';
import { DEMO_URLS_VARIABLE, SHUTDOWN_MESSAGE } from './primary.js';

/**
 * One cluster worker: a full Ballast with its own breakers, reporting to the primary; without
 * Redis its stale values are shared with the other workers through the primary.
 */
export async function runWorker(config: BallastConfig): Promise<void> {
  leaveQuietlyWhenThePrimaryIsGone();
  const demoUrls = process.env[DEMO_URLS_VARIABLE];
  const shareStale = config.redis.url === null && config.cluster.shareStaleValues;
  const gateway = createGateway(config, {
    ...(demoUrls ? { demo: httpDemoControl(JSON.parse(demoUrls) as Record<string, string>) } : {}),
    ...(shareStale ? { hostStaleStore: new HostStaleStore({ lookupTimeoutMs: config.cluster.staleLookupTimeoutMs }) } : {}),
    fleet: {
      metrics: async () => String(await askPrimary('metrics')),
      status: () => askPrimary('fleet-status'),
      samples: async (source) => (await askPrimary('fleet-samples', source)) as FailureSample[],
    },
  });
  // Constructing one registers prom-client's listener that answers the primary's metric requests.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([gateway.state.telemetry.metrics.registry]);
  serveFromWorker({
    status: () => localStatus(gateway.state),
    samples: (source) => gateway.state.telemetry.samples.list(typeof source === 'string' ? source : undefined),
  });
  await gateway.listen();
  process.on('message', (message) => {
    if (message !== SHUTDOWN_MESSAGE) return;
    void gateway.close({ drainDelayMs: Number(process.env.BALLAST_DRAIN_DELAY_MS ?? 0) }).finally(() => process.exit(0));
  });
}

/**
 * A sibling's fatal start-up error makes the primary exit while this worker may still be starting:
 * its `listen()` then asks the primary for the shared handle over a closed IPC channel, and Node
 * emits that EPIPE on the worker object, which without a listener prints a stack on the shared
 * stderr after the primary's one JSON line. The primary has already said why; leave without a word.
 */
function leaveQuietlyWhenThePrimaryIsGone(): void {
  cluster.worker?.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_IPC_CHANNEL_CLOSED' || !process.connected) process.exit(2);
    throw error;
  });
}
