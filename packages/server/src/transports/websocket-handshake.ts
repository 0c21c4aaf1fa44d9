/**
 * The server's side of the WebSocket opening handshake (RFC 6455 section 4.2), for connections
 * that Interchange serves itself, without ws: checking the client's request and answering
 * `101 Switching Protocols`. Subprotocol, origin and the rest are decided before, by the service.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Section 1.3: the GUID the accept key is derived with. */
const HANDSHAKE_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** A Sec-WebSocket-Key is 16 random bytes in base64 (section 4.1). */
const KEY_SHAPE = /^[+/0-9A-Za-z]{22}==$/;
/** The protocol version of RFC 6455; ws also accepts 8, the last draft, and so do we. */
const VERSIONS = new Set(['13', '8']);

/** Why a handshake request cannot be accepted, with the HTTP status to refuse it with. */
export interface HandshakeRefusal {
  status: number;
  error: string;
}

/** Checks an upgrade request against section 4.2.1; `undefined` when it is acceptable. */
export function handshakeRefusal(request: IncomingMessage): HandshakeRefusal | undefined {
  if (request.method !== 'GET') return { status: 405, error: 'a WebSocket handshake must be a GET request' };
  if (request.headers.upgrade?.toLowerCase() !== 'websocket') {
    return { status: 400, error: "the Upgrade header must be 'websocket'" };
  }
  const key = request.headers['sec-websocket-key'];
  if (key === undefined || !KEY_SHAPE.test(key.trim())) {
    return { status: 400, error: 'missing or malformed Sec-WebSocket-Key' };
  }
  const version = request.headers['sec-websocket-version'];
  if (version === undefined || !VERSIONS.has(version.trim())) {
    // Section 4.2.2: a version the server does not speak gets 426 and the versions it does.
    return { status: 426, error: 'unsupported Sec-WebSocket-Version; supported: 13' };
  }
  return undefined;
}

/** The Sec-WebSocket-Accept value for a client's key (section 4.2.2, step 5.4). */
export function acceptKey(key: string): string {
  return createHash('sha1')
    .update(key.trim() + HANDSHAKE_GUID)
    .digest('base64');
}

/**
 * The `101 Switching Protocols` response accepting `request` with `subprotocol` (none announced
 * when undefined), plus any `extraHeaders` (whole header lines, such as a Set-Cookie).
 */
export function switchingProtocols(
  key: string,
  subprotocol: string | undefined,
  extraHeaders: readonly string[] = [],
): string {
  const lines = [
    'HTTP/1.1 101 Switching Protocols',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Accept: ${acceptKey(key)}`,
    ...(subprotocol === undefined ? [] : [`Sec-WebSocket-Protocol: ${subprotocol}`]),
    ...extraHeaders,
  ];
  return `${lines.join('\r\n')}\r\n\r\n`;
}
