/**
 * The HTTP headers a session's authenticator sees (`details.transport.http_headers_received`).
 */
import type { IncomingMessage } from 'node:http';

/**
 * Headers of the opening handshake that only served the handshake itself: the client's nonce,
 * the protocol version and the upgrade request. Authenticators get every other header
 * (`http_headers_received`); these are not kept, as each costs memory for the life of the
 * connection and tells an authenticator nothing.
 */
const HANDSHAKE_ONLY_HEADERS = new Set(['sec-websocket-key', 'sec-websocket-version', 'upgrade', 'connection']);

/** The handshake's headers an authenticator may use: all but {@link HANDSHAKE_ONLY_HEADERS}. */
export function headersForAuthenticators(
  headers: IncomingMessage['headers'],
): Record<string, string | string[] | undefined> {
  const kept: Record<string, string | string[] | undefined> = {};
  for (const name in headers) if (!HANDSHAKE_ONLY_HEADERS.has(name)) kept[name] = headers[name];
  return kept;
}
