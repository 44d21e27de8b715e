import type { SourceName } from '../config-schema.js';
import type { DemoServices } from './index.js';
import type { Fault } from './faults.js';

/** What the dashboard may do to demo services, whether they run in this process or another. */
export interface DemoControl {
  /** Sources served by a demo service. */
  sources: readonly string[];
  setFault(source: string, fault: Fault): Promise<void>;
  clearFault(source: string): Promise<void>;
  currentFault(source: string): Promise<Fault | null>;
}

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

/** Demo services of another process (the cluster primary), through their HTTP control endpoints. */
export function httpDemoControl(urls: Readonly<Record<string, string>>): DemoControl {
  const control = (source: string) => `${urls[source]}/__control/fault`;
  const send = async (source: string, init: RequestInit): Promise<Response> => {
    const response = await fetch(control(source), { ...init, signal: AbortSignal.timeout(1000) });
    if (!response.ok) throw new Error(`demo ${source} refused the fault: ${response.status} ${await response.text()}`);
    return response;
  };
  return {
    sources: Object.keys(urls),
    setFault: async (source, fault) => void (await send(source, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fault) })),
    clearFault: async (source) => void (await send(source, { method: 'DELETE' })),
    currentFault: async (source) => ((await (await send(source, { method: 'GET' })).json()) as { fault: Fault }).fault,
  };
}
