/**
 * Credentials never reach a log line, the banner, check-config, /health or the dashboard: the
 * userinfo of a URL (`http://user:pass@host`) is shown as `user:***@` (or `***@` without a
 * password). The user name stays, it helps to tell configurations apart.
 */
const USERINFO = /\b([a-z][a-z\d+.-]*):\/\/([^\s/?#"'<>]+)@/gi;

/** `text` with the credentials of every URL in it hidden; a password may contain `@`. */
export function redactUrlsIn(text: string): string {
  return text.replace(USERINFO, (_match, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return `${scheme}://${colon >= 0 ? `${userinfo.slice(0, colon)}:***` : '***'}@`;
  });
}

/** A URL fit to print: see `redactUrlsIn`. */
export const redactUrl = redactUrlsIn;
