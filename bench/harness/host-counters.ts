import { existsSync, readFileSync } from 'node:fs';

/**
 * What the host says about a measurement, beside the server's own figures: how busy the load
 * core was (the load generator and the upstreams share it; when it is saturated a row measures
 * them, not the server), and how many connections the kernel dropped because a listener's accept
 * queue was full (a client then waits a SYN retransmit, 1 s or more, before the server sees its
 * request). Both read from /proc; NaN where there is none.
 */

/** Busy and total jiffies of one CPU, from a /proc/stat text. */
export interface CoreTimes {
  busy: number;
  total: number;
}

/** The `cpuN` line of a /proc/stat text: busy = user + nice + system + irq + softirq + steal; idle and iowait are not busy. */
export function parseCoreTimes(stat: string, cpu: number): CoreTimes | undefined {
  const line = stat.split('\n').find((entry) => entry.startsWith(`cpu${cpu} `));
  if (!line) return undefined;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number) as number[];
  const busy = user! + nice! + system! + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
  return { busy, total: busy + idle! + (iowait ?? 0) };
}

export function coreTimes(cpu: number): CoreTimes | undefined {
  return existsSync('/proc/stat') ? parseCoreTimes(readFileSync('/proc/stat', 'utf8'), cpu) : undefined;
}

/** Percent of the time between two readings that the core was busy; NaN without both. */
export function busyPercent(before: CoreTimes | undefined, after: CoreTimes | undefined): number {
  if (!before || !after || after.total <= before.total) return Number.NaN;
  return (100 * (after.busy - before.busy)) / (after.total - before.total);
}

/** `TcpExt: ListenOverflows` of a /proc/net/netstat text (a header line, then a value line). */
export function parseListenOverflows(netstat: string): number {
  const lines = netstat.split('\n').filter((line) => line.startsWith('TcpExt:'));
  if (lines.length < 2) return Number.NaN;
  const names = lines[0]!.split(/\s+/);
  const values = lines[1]!.split(/\s+/);
  const index = names.indexOf('ListenOverflows');
  return index > 0 ? Number(values[index]) : Number.NaN;
}

/** Host-wide since boot: the difference over a run is that run's (the bench is the only thing listening under load). */
export function listenOverflows(): number {
  return existsSync('/proc/net/netstat') ? parseListenOverflows(readFileSync('/proc/net/netstat', 'utf8')) : Number.NaN;
}
