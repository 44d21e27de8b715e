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

export async function rawConnect(url: string, localAddress?: string): Promise<RawClient> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port), ...(localAddress ? { localAddress } : {}) });
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

/** One parsed HTTP/1.1 response read off a raw socket, with ms from the write to its last byte. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  ms: number;
}

/** A POST of `query` to /graphql as raw bytes (Content-Length set, CSRF-safe content type). */
export function rawGraphQLPost(query: string, headers: Record<string, string> = {}): string {
  const body = JSON.stringify({ query });
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  return `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/graphql-response+json, application/json\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/**
 * Connects one socket per request first, then writes every request in the same tick, so they
 * reach the server together however slow this machine is; resolves with each response.
 */
export async function sendTogether(url: string, requests: string[], localAddress?: string): Promise<RawResponse[]> {
  const clients = await Promise.all(requests.map(() => rawConnect(url, localAddress)));
  const started = performance.now();
  const responses = clients.map((client) => readResponse(client, started));
  clients.forEach((client, index) => client.socket.write(requests[index]!));
  try {
    return await Promise.all(responses);
  } finally {
    for (const client of clients) client.socket.destroy();
  }
}

function readResponse(client: RawClient, started: number): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const tryParse = (): void => {
      const text = client.received();
      const end = text.indexOf('\r\n\r\n');
      if (end === -1) return;
      const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
      const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      const body = text.slice(end + 4);
      if (Buffer.byteLength(body, 'latin1') < Number(headers['content-length'])) return;
      client.socket.off('data', tryParse);
      resolve({ status: Number(statusLine!.split(' ')[1]), headers, body: Buffer.from(body, 'latin1').toString('utf8'), ms: performance.now() - started });
    };
    client.socket.on('data', tryParse);
    void client.closed.then(() => reject(new Error(`connection closed before a full response: ${client.received().slice(0, 200)}`)));
  });
}
