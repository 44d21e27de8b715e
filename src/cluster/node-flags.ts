/**
 * V8 flags every worker runs with. A request keeps its objects alive for its whole latency, so
 * under load most of them outlive a young-generation GC of the default 16 MiB semi-space and are
 * copied, then promoted. At 64 MiB the scavenger runs a quarter as often and finds most of
 * them dead: 10–15% more throughput for about 250 MiB more peak RSS per worker
 * (measured in bench/README.md). `npm start` and the Dockerfile pass them to the main process
 * too (tests check), so a single in-process worker has them; the cluster primary adds any its
 * own process lacks to the workers it forks.
 */
export const WORKER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];

/** `execArgv` plus each worker flag it does not set itself: an operator's own value wins. */
export function workerExecArgv(execArgv: readonly string[]): string[] {
  const named = (flag: string): string => flag.split('=')[0]!.replace(/_/g, '-');
  const own = new Set(execArgv.map(named));
  return [...execArgv, ...WORKER_NODE_FLAGS.filter((flag) => !own.has(named(flag)))];
}
