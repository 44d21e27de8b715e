import { SOURCE_NAMES } from '../sources/names.js';
import { createDemoData } from './data.js';
import { DECLARED_DEMO_NAMES, DEMO_ROUTES } from './routes.js';
import type { DemoSourceName as SourceName } from './routes.js';
import { DemoService } from './service.js';
import type { LatencyOptions } from './service.js';

export { DemoService } from './service.js';
export type { Fault } from './faults.js';

export interface DemoServicesOptions {
  /** Which services to start. @default every source with a demo route */
  sources?: readonly SourceName[];
  host?: string;
  /** Fixed ports per service; 0 or absent picks a free one. */
  ports?: Partial<Record<SourceName, number>>;
  latency?: LatencyOptions;
  /** Seed of the demo data. @default 42 */
  seed?: number;
}

export interface DemoServices {
  services: Partial<Record<SourceName, DemoService>>;
  urls: Partial<Record<SourceName, string>>;
  /** The running service of `name`; throws if it was not started. */
  service(name: SourceName): DemoService;
  close(): Promise<void>;
}

/** Starts the demo REST services of docs/architecture.md § Contract: the upstream REST services on loopback, sharing one seeded data set. */
export async function startDemoServices(options: DemoServicesOptions = {}): Promise<DemoServices> {
  const data = createDemoData(options.seed);
  const started: Partial<Record<SourceName, DemoService>> = {};
  const urls: Partial<Record<SourceName, string>> = {};
  try {
    for (const name of options.sources ?? [...SOURCE_NAMES, ...DECLARED_DEMO_NAMES].filter((source) => DEMO_ROUTES[source])) {
      const route = DEMO_ROUTES[name];
      if (!route) throw new Error(`${name} has no demo service: set its URL`);
      const service = new DemoService(name, route, data, options.latency);
      started[name] = service;
      urls[name] = await service.listen(options.ports?.[name] ?? 0, options.host ?? '127.0.0.1');
    }
  } catch (error) {
    await Promise.all(Object.values(started).map((service) => service.close()));
    throw error;
  }
  return {
    services: started,
    urls,
    service(name) {
      const service = started[name];
      if (!service) throw new Error(`demo service ${name} is not running`);
      return service;
    },
    close: async () => {
      await Promise.all(Object.values(started).map((service) => service.close()));
    },
  };
}
