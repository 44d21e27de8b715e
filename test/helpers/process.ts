import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A Ballast started as its own process, the way users start it. */
export interface BallastProcess {
  /** Base URL from the start-up banner, e.g. `http://127.0.0.1:41234`. */
  url: string;
  process: ChildProcess;
  /** The banner lines printed so far. */
  banner: string[];
  /** Kills the process and, for `npm start`, the gateway npm started under it. */
  kill(): void;
}

/**
 * Starts `command` (default `node --import tsx src/main.ts`) in its own process group with
 * `PORT=0` and waits for the banner's "listening on" line.
 */
export async function startBallastProcess(options: { args?: string[]; env?: Record<string, string>; command?: string[]; timeoutMs?: number } = {}): Promise<BallastProcess> {
  const [command, ...baseArgs] = options.command ?? [process.execPath, '--import', 'tsx', 'src/main.ts'];
  const child = spawn(command!, [...baseArgs, ...(options.args ?? [])], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', BALLAST_LOG_LEVEL: 'silent', ...options.env },
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  const banner: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Ballast did not start:\n${banner.join('\n')}`)), options.timeoutMs ?? 30_000);
    child.once('exit', (code) => reject(new Error(`Ballast exited with ${code}:\n${banner.join('\n')}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      banner.push(line);
      const match = /listening on (http:\/\/\S+)\/graphql/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
  });
  return {
    url,
    process: child,
    banner,
    kill() {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}
