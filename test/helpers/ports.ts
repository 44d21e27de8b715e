import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

/** A port free right now on loopback, for a process that binds it a moment later (redis-server, an ops listener). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
