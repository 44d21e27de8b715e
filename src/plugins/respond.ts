/** Small helpers for plugins that answer routes of their own. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers } });
}

export function text(body: string, contentType: string, status = 200): Response {
  return new Response(body, { status, headers: { 'content-type': contentType, 'cache-control': 'no-store' } });
}
