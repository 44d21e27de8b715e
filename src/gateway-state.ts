import type { BallastConfig } from './config-schema.js';
import type { DemoControl } from './faults/contract.js';
import type { FailureSample } from './observability/failure-samples.js';
import type { Telemetry } from './observability/telemetry.js';
import type { SourceRegistry } from './sources/bind.js';

/** The other workers of a cluster, as seen from one of them. */
export interface Fleet {
  /** Prometheus text with every worker's metrics aggregated. */
  metrics(): Promise<string>;
  /** The dashboard status merged over every worker. */
  status(): Promise<unknown>;
  /** Every worker's failure samples (of `source`, else all), oldest first. */
  samples(source?: string): Promise<FailureSample[]>;
}

/** What the operational plugins (health, metrics, dashboard) read about the running gateway. */
export interface GatewayState {
  config: BallastConfig;
  sources: SourceRegistry;
  telemetry: Telemetry;
  /** The embedded demo services, when Ballast started them; enables fault buttons. */
  demo: DemoControl | undefined;
  /** Present in a cluster worker: metrics and status of every worker, through the primary. */
  fleet: Fleet | undefined;
  /** True once shutdown began: /ready answers 503 so the load balancer stops sending traffic. */
  draining: boolean;
}
