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
  // The unread body would otherwise have to be drained; closing costs less than reading it.
  if (!request.complete) headers.connection = 'close';
  response.writeHead(refusal.status, headers).end(body);
}

export function writeNotFound(response: ServerResponse): void {
  response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }).end('Not Found\n');
}
