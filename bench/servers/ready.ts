/** Children tell the harness they listen by printing one line: `READY <json>`. */
export function announceReady(info: Record<string, unknown>): void {
  process.stdout.write(`READY ${JSON.stringify(info)}\n`);
}

/** Children stop when the harness closes their stdin or sends SIGTERM. */
export function stopOnSignal(stop: () => Promise<void> | void): void {
  const quit = (): void => void Promise.resolve(stop()).finally(() => process.exit(0));
  process.once('SIGTERM', quit);
  process.once('SIGINT', quit);
}

/**
 * Every anchor listens with Ballast's default `server.listenBacklog`, as every server gets the same
 * node flags: Node's own 511 overflowed under the open loop (bench/README.md § "Twelfth session"),
 * and no ratio should rest on that setting. A literal, not read from src/config-defaults.ts: an anchor
 * loads none of Ballast's modules (they would count in its start-up and peak RSS);
 * test/bench/host-counters.test.ts holds it equal to the default.
 */
export const LISTEN_BACKLOG = 4096;
