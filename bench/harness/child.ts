import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface Child {
  name: string;
  info: Record<string, unknown>;
  process: ChildProcess;
  /** User + system CPU time of the child so far, in microseconds (from /proc). */
  cpuMicros(): number;
  /** Peak resident set size so far, in MiB (VmHWM from /proc). */
  peakRssMiB(): number;
  stop(): Promise<void>;
}

const TICKS_PER_SECOND = 100;
const hasTaskset = existsSync('/usr/bin/taskset') || existsSync('/bin/taskset');

/**
 * Compiles src/ and bench/servers/ with tsc into dist/, as `npm start` runs Ballast: servers are
 * measured as shipped, not through tsx's on-the-fly transform (which adds a `__name` call to
 * every closure it creates).
 */
export function buildServers(): void {
  const result = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.bench.json'], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('tsc -p tsconfig.bench.json failed');
}

/** Where `buildServers` put the compiled form of `script` (a .ts path under bench/servers/). */
export function compiledPath(script: string): string {
  return `dist/${script.replace(/\.ts$/, '.js')}`;
}

/** Starts `node dist/<script>.js` pinned to `cpu` (when taskset exists) and waits for its READY line. */
export async function startChild(name: string, script: string, args: string[], options: { cpu?: number; env?: Record<string, string>; nodeFlags?: readonly string[] } = {}): Promise<Child> {
  const node = [process.execPath, ...(options.nodeFlags ?? []), compiledPath(script), ...args];
  const command = hasTaskset && options.cpu !== undefined ? ['taskset', '-c', String(options.cpu), ...node] : node;
  // NODE_ENV=production for every server alike: Yoga and Apollo read it (Ballast sets its own mode).
  const child = spawn(command[0]!, command.slice(1), { env: { ...process.env, NODE_ENV: 'production', ...options.env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const info = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 30 s`)), 30_000);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before it was ready`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('READY ')) return;
      clearTimeout(timer);
      resolve(JSON.parse(line.slice(6)) as Record<string, unknown>);
    });
  });
  const pid = child.pid!;
  return {
    name,
    info,
    process: child,
    cpuMicros() {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND) * 1_000_000;
    },
    peakRssMiB() {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return match ? Math.round(Number(match[1]) / 1024) : 0;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(force);
    },
  };
}

/** Pins this process (the load generator) to `cpu`, away from the servers. */
export function pinSelf(cpu: number): boolean {
  if (!hasTaskset) return false;
  return spawnSync('taskset', ['-cp', String(cpu), String(process.pid)], { stdio: 'ignore' }).status === 0;
}
