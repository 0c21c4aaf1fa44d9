/**
 * URLs as they may appear in logs. Request targets and configured URLs carry secrets in places a
 * log has no use for: the query of a signed HTTP-bridge request holds its `key`, `nonce` and
 * `signature`; a backend URL may hold `user:password@` or an access token in its query. Logs keep
 * the scheme, host and path, which say where a request went, and drop the rest.
 */

/** Longest text of a response body that a debug log entry keeps. */
export const LOGGED_BODY_LIMIT = 512;

/** Drops `user:password@` after the scheme and everything from the first `?` or `#`. */
function stripByText(text: string): string {
  const cut = text.search(/[?#]/);
  const head = cut < 0 ? text : text.slice(0, cut);
  // RFC 3986 section 3.2.1: userinfo ends at the last "@" before the path.
  return head.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/]*@/, '$1');
}

/**
 * A URL without userinfo, query or fragment: `https://u:p@host/a?token=x` → `https://host/a`.
 * Text that does not parse as a URL gets the same treatment by its characters.
 *
 * @example
 * logger.info({ url: safeUrl(config.url) }, 'forwarding');
 */
export function safeUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return stripByText(String(url));
  }
  // `origin` is "null" for schemes without one (file:, data:); keep the protocol then.
  const origin = parsed.origin === 'null' ? `${parsed.protocol}//${parsed.host}` : parsed.origin;
  return `${origin}${parsed.pathname}`;
}

/**
 * The path of an HTTP request target, for logs: the query and fragment dropped (a signed bridge
 * request carries its signature there). Absolute-form targets (RFC 9112 section 3.2.2) keep
 * their scheme and host, without userinfo.
 */
export function safeRequestPath(target: string | undefined): string {
  if (target === undefined) return '';
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(target)) return safeUrl(target);
  return stripByText(target);
}

/** Every URL inside free text (an error message, say) passed through {@link safeUrl}. */
export function redactUrls(text: string): string {
  return text.replace(/\b[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s"'<>`]+/g, (match) => safeUrl(match));
}

/** A response body for a debug log entry: at most {@link LOGGED_BODY_LIMIT} characters. */
export function truncatedBody(text: string, limit = LOGGED_BODY_LIMIT): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}… (${text.length} characters)`;
}
