import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A raw upstream in front of the demo pricing service: while `hang` is on it never answers and
 * records when the gateway closes each hung exchange; otherwise it forwards to the demo service.
 */
export interface HangingUpstream {
  url: string;
  hang: boolean;
  /** Where requests go once `hang` is off. */
  forwardTo: string;
  /** Requests received while hanging. */
  hung: number;
  /** Hung exchanges the gateway closed, with the time it took after `markClientGone()`. */
  closedAfterMs: number[];
  /** Marks the moment from which `closedAfterMs` counts (the client left, the answer went out). */
  markClientGone(): void;
  close(): Promise<void>;
}

export async function startHangingUpstream(): Promise<HangingUpstream> {
  let clientGoneAt = Number.NaN;
  const upstream: HangingUpstream = {
    url: '',
    hang: true,
    forwardTo: '',
    hung: 0,
    closedAfterMs: [],
    markClientGone: () => void (clientGoneAt = performance.now()),
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    if (!upstream.hang) return void forward(request, response, upstream.forwardTo);
    upstream.hung += 1;
    response.once('close', () => upstream.closedAfterMs.push(performance.now() - clientGoneAt));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  upstream.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return upstream;
}

function forward(request: IncomingMessage, response: ServerResponse, target: string): void {
  void fetch(`${target}${request.url ?? '/'}`).then(async (answer) => {
    response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(await answer.text());
  });
}
