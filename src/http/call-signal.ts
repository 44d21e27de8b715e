/**
 * The abort signal of one upstream call, as the HTTP client needs it: undici takes any object with
 * these four members. The resilience layer implements it (CallAbort in src/resilience/timeout.ts);
 * it is declared here so http/ imports nothing above it (docs/architecture.md § Layers).
 */
export interface CallSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}
