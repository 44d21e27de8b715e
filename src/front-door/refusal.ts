import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request Ballast refused before handling it: status, error code, message, seconds to wait. */
export interface Refusal {
  status: number;
  code: string;
  message: string;
  retryAfterSeconds?: number;
}

/**
 * Writes `refusal` as a GraphQL error body straight onto the Node response, without Yoga or the
 * body ever being read: the status is the same under both media types (docs/security.md), the
 * content type follows what the client accepts.
 */
export function writeRefusal(request: IncomingMessage, response: ServerResponse, refusal: Refusal): void {
  const body = JSON.stringify({ errors: [{ message: refusal.message, extensions: { code: refusal.code } }] });
  const accepts = request.headers.accept ?? '';
  const contentType = accepts.includes('application/graphql-response+json') ? 'application/graphql-response+json; charset=utf-8' : 'application/json; charset=utf-8';
  const headers: Record<string, string | number> = { 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' };
  if (refusal.retryAfterSeconds !== undefined) headers['retry-after'] = refusal.retryAfterSeconds;
  if (mustClose(request)) headers.connection = 'close';
  response.writeHead(refusal.status, headers).end(body);
}

/** Bodies up to this size are drained (Node discards an unread body) so the connection stays open. */
const DRAINED_BODY_BYTES = 16 * 1024;

/**
 * A refused client keeps its connection when the rest of its body is small and announced: under
 * overload, closing would make every refused client reconnect, and accepting connections is work
 * the overloaded process does before it can refuse again (bench/README.md, Overload). A large or
 * chunked body is not worth reading: that connection is closed.
 */
function mustClose(request: IncomingMessage): boolean {
  if (request.complete) return false;
  const length = Number(request.headers['content-length']);
  return request.headers['transfer-encoding'] !== undefined || !Number.isInteger(length) || length > DRAINED_BODY_BYTES;
}

export function writeNotFound(response: ServerResponse): void {
  response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }).end('Not Found\n');
}
