/** Never forwarded upstream whatever the config says: hop-by-hop (RFC 9110 §7.6.1) and framing headers. */
export const NEVER_FORWARDED = [
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection',
  'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'content-length',
] as const;

const BLOCKED = new Set<string>(NEVER_FORWARDED);

/**
 * The client headers an upstream may see: only names on `allowlist`, never hop-by-hop or framing
 * headers, nor any header the client's own `Connection` header names (RFC 9110 §7.6.1), and
 * never a value with CR or LF.
 */
export function forwardedHeaders(client: Headers, allowlist: readonly string[]): Record<string, string> {
  const namedByConnection = new Set((client.get('connection') ?? '').toLowerCase().split(',').map((name) => name.trim()));
  const headers: Record<string, string> = {};
  for (const name of allowlist) {
    if (BLOCKED.has(name) || namedByConnection.has(name)) continue;
    const value = client.get(name);
    if (value !== null && !/[\r\n]/.test(value)) headers[name] = value;
  }
  return headers;
}
