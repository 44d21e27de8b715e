import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { createDemoData } from '../../src/demo/data.js';

/** A raw TCP client that records what the server sent and when it closed the connection. */
export interface RawClient {
  socket: Socket;
  received(): string;
  /** Resolves with ms since connect once the server closed (or reset) the connection. */
  closed: Promise<number>;
}

export async function rawConnect(url: string): Promise<RawClient> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const started = performance.now();
  let text = '';
  socket.setEncoding('latin1').on('data', (chunk: string) => (text += chunk));
  const closed = new Promise<number>((resolve) => {
    socket.on('error', () => undefined);
    socket.once('close', () => resolve(performance.now() - started));
  });
  return { socket, received: () => text, closed };
}

/** Writes `text` one byte every `intervalMs` until it is all sent or the socket closes. */
export function trickle(socket: Socket, text: string, intervalMs: number): void {
  let index = 0;
  const timer = setInterval(() => {
    if (index >= text.length || socket.destroyed) return clearInterval(timer);
    socket.write(text[index++]!);
  }, intervalMs);
  socket.once('close', () => clearInterval(timer));
}

/** The name the demo catalog holds for p-0001, to check a normal query answers with real data. */
export const P1_NAME = createDemoData().productsById.get('p-0001')!.name;
export const P1_QUERY = '{ product(id: "p-0001") { id name } }';
