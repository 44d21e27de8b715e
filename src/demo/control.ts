import type { DemoSourceName as SourceName } from './routes.js';
import type { DemoServices } from './index.js';
import type { DemoControl } from '../faults/contract.js';

export type { DemoControl } from '../faults/contract.js';
export { httpDemoControl } from '../faults/http-control.js';

/** Demo services started in this process. */
export function inProcessDemoControl(demo: DemoServices): DemoControl {
  const service = (source: string) => demo.service(source as SourceName);
  return {
    sources: Object.keys(demo.services),
    setFault: async (source, fault) => service(source).setFault(fault),
    clearFault: async (source) => service(source).clearFault(),
    currentFault: async (source) => service(source).faults.current,
  };
}
