import type { BallastConfig } from './config-schema.js';
import type { DemoServices } from './demo/index.js';
import type { Telemetry } from './observability/telemetry.js';
import type { SourceRegistry } from './sources/index.js';

/** What the operational plugins (health, metrics, dashboard) read about the running gateway. */
export interface GatewayState {
  config: BallastConfig;
  sources: SourceRegistry;
  telemetry: Telemetry;
  /** The embedded demo services, when Ballast started them; enables fault buttons. */
  demo: DemoServices | undefined;
  /** True once shutdown began: /ready answers 503 so the load balancer stops sending traffic. */
  draining: boolean;
}
