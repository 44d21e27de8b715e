import { FAULT_CONTROL_PATH } from './contract.js';
import type { DemoControl, Fault } from './contract.js';

/** Demo services of another process (the cluster primary), through their HTTP control endpoints. */
export function httpDemoControl(urls: Readonly<Record<string, string>>): DemoControl {
  const control = (source: string) => `${urls[source]}${FAULT_CONTROL_PATH}`;
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
