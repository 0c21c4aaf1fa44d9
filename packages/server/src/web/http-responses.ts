/**
 * JSON error responses, for ordinary requests and for refused WebSocket upgrades (where only the
 * raw socket exists). Every error the HTTP side produces is `{"error": "..."}` plus details, so a
 * client can tell a missing file from a refused handshake without parsing HTML.
 */
import type { ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** The WebSocket versions the node speaks (RFC 6455's 13, and 8, the last draft, as ws), for 426 answers. */
export const SUPPORTED_WEBSOCKET_VERSIONS = '13, 8';

/** The body of an error response. */
export interface ErrorBody {
  error: string;
  [key: string]: unknown;
}

/** Sends a JSON body with `status`. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

/** Sends `{"error": message, ...extra}` with `status`. */
export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { error: message, ...extra } satisfies ErrorBody, headers);
}

/**
 * Refuses a WebSocket upgrade: writes a complete HTTP response with a JSON body on the raw socket
 * and closes it (RFC 6455 section 4.2.2: a server that does not accept the handshake answers with
 * an HTTP error status).
 */
export function refuseUpgrade(
  socket: Duplex,
  status: number,
  body: ErrorBody,
  versions: string = SUPPORTED_WEBSOCKET_VERSIONS,
): void {
  const text = JSON.stringify(body);
  // RFC 6455 section 4.2.2: a 426 names the versions the server speaks.
  const upgradeRequired = status === 426 ? `Sec-WebSocket-Version: ${versions}\r\n` : '';
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.on('error', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(text)}\r\n` +
      'Cache-Control: no-store\r\n' +
      upgradeRequired +
      `\r\n${text}`,
  );
}
