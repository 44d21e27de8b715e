import type { IncomingMessage } from 'node:http';

/**
 * The one normalisation of a request's path, used by the listeners (which routes may be served on
 * which port) and by the plugins that answer routes (health, metrics, the dashboard): both must
 * see the same path, or a spelling one of them does not resolve reaches the other
 * (docs/operations.md, "Ops listener").
 *
 * It is the path of the WHATWG URL parse Yoga itself makes (dot segments, `%2e`, backslashes,
 * a fragment), taken from the raw request-target under a fixed origin: Yoga's own URL is built
 * from the Host header as well, so a Host such as `x/metrics?` would move it, but never this.
 */
const ORIGIN = 'http://ballast.invalid';

/** A target whose path (before `?`) has none of these is already what the URL parser would make of it. */
const NEEDS_PARSING = /[.%\\#]|^[^/]|^\/\//;

export function routePath(target: string | undefined): string {
  const raw = target ?? '/';
  const query = raw.indexOf('?');
  const path = query === -1 ? raw : raw.slice(0, query);
  // The healthy request's path (/graphql): one regex test, no URL parse (bench/README.md).
  if (!NEEDS_PARSING.test(path)) return path;
  try {
    // As Yoga builds it (`http://<host><target>`), with a host no client chooses.
    return new URL(raw.startsWith('/') ? ORIGIN + raw : raw, ORIGIN).pathname;
  } catch {
    return path;
  }
}

/**
 * The route of a request as a Yoga plugin sees it: from the Node request's raw target when there
 * is one (the server context of `node:http`), else from the Fetch request's URL (`yoga.fetch`).
 */
export function pluginRoutePath(request: Request, serverContext: unknown): string {
  const node = (serverContext as { req?: IncomingMessage } | undefined)?.req;
  return routePath(node ? node.url : request.url);
}
