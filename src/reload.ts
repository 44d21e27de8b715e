import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { lifecycleLog } from './observability/logger.js';
import type { Gateway } from './server.js';
import type { BoundOperation } from './sources/operation.js';

type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

const IDLE_POLL_MS = 20;

/**
 * One listening server whose gateway can be replaced while it serves: a reload without a second
 * process. Requests that arrive after `swap` go to the new gateway (keep-alive connections
 * included: the server asks its listener per request); those already running finish on the old
 * one, whose pools and breakers close once it has none left (or after `graceMs`).
 */
export class ReloadableGateway {
  readonly server: Server;
  #current: Gateway;
  #listener: RequestListener;
  readonly #inFlight = new Map<Gateway, number>();

  constructor(first: Gateway) {
    this.server = first.server;
    this.#current = first;
    // createGateway attached its own listener; replace it with the counting one.
    this.server.removeListener('request', first.handle);
    this.#listener = this.#attach(first);
  }

  get current(): Gateway {
    return this.#current;
  }

  /**
   * Routes new requests to `next` (built with `{ server: this.server }`), then retires the old
   * gateway. `onSwitched` runs once new requests go to `next`, before the old one has drained.
   */
  async swap(next: Gateway, graceMs = 10_000, onSwitched?: () => void): Promise<void> {
    // As at start (Gateway.listen): the new gateway's Redis client has connected (or given up) before it takes requests.
    await next.state.sources.sharedStore?.firstAttempt;
    const old = this.#current;
    carryStaleValues(old, next);
    // The process is as warm as before: the deadline rule keeps the CPU cost it measured, not the cold cost (docs/security.md).
    next.admission.adoptMeasurements(old.admission);
    this.server.removeListener('request', this.#listener);
    this.#listener = this.#attach(next);
    // The ops listener (ops.port) serves /health, /ready and /metrics of the current gateway.
    old.opsServer?.removeListener('request', old.handleOps);
    next.opsServer?.on('request', next.handleOps);
    this.#current = next;
    try {
      onSwitched?.();
    } catch {
      // A caller's hook (a log line) never stops the old gateway from draining and being released.
    }
    await this.#idle(old, graceMs);
    this.#inFlight.delete(old);
    await old.release();
  }

  close(options?: { drainDelayMs?: number; graceMs?: number }): Promise<void> {
    return this.#current.close(options);
  }

  #attach(gateway: Gateway): RequestListener {
    this.#inFlight.set(gateway, 0);
    const listener: RequestListener = (request, response) => {
      this.#inFlight.set(gateway, (this.#inFlight.get(gateway) ?? 0) + 1);
      response.once('close', () => this.#inFlight.set(gateway, (this.#inFlight.get(gateway) ?? 1) - 1));
      gateway.handle(request, response);
    };
    this.server.on('request', listener);
    return listener;
  }

  async #idle(gateway: Gateway, graceMs: number): Promise<void> {
    const until = Date.now() + graceMs;
    while ((this.#inFlight.get(gateway) ?? 0) > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, IDLE_POLL_MS));
  }
}

/** A reload keeps the last known good values: the upstream may be down right now. */
function carryStaleValues(old: Gateway, next: Gateway): void {
  const previous = old.state.sources.operations as unknown as Record<string, BoundOperation<object>>;
  for (const [name, operation] of Object.entries(next.state.sources.operations as unknown as Record<string, BoundOperation<object>>)) {
    const before = previous[name];
    if (before) operation.stale.adopt(before.stale);
  }
}

/**
 * SIGHUP: build a gateway from the re-read config and swap it in. When the config does not
 * validate (or a source has no URL) nothing changes but one line on stderr naming the problem.
 */
export function reloadOnHangup(reloadable: ReloadableGateway, build: (server: Server, opsServer: Server | undefined) => Gateway): void {
  let swapping = Promise.resolve();
  process.on('SIGHUP', () => {
    let next: Gateway;
    try {
      next = build(reloadable.server, reloadable.current.opsServer);
    } catch (error) {
      lifecycleLog().error(`reload refused, keeping the running config: ${(error as Error).message}`);
      return;
    }
    // Logged once the new gateway takes requests (after its Redis client's first attempt), not when asked.
    swapping = swapping
      .then(() => reloadable.swap(next, undefined, () => lifecycleLog().info({ deadlineMs: next.state.config.deadlineMs }, 'reloaded: new requests use the new config')))
      // A failed swap must not leave the chain rejected: the next SIGHUP still gets its turn.
      .catch((error: unknown) => lifecycleLog().error(`reload failed: ${(error as Error).message}`));
  });
}
