/**
 * The checks a WebSocket service makes of an opening handshake before accepting it, from
 * Crossbar's WebSocket options: the protocol versions it speaks (`enable_rfc6455`,
 * `enable_hybi10`), the port in the Host header (`external_port`), and the browser's Origin
 * (`allowed_origins`, `allow_null_origin`). A refusal is an HTTP status with a JSON body.
 */
import type { IncomingMessage } from 'node:http';
import type { ErrorBody } from '../web/http-responses.js';
import { isNullOrigin, type WebSocketSettings } from './websocket-settings.js';

/** Why a handshake is refused. */
export interface AdmissionRefusal {
  status: number;
  body: ErrorBody;
}

/** The port a Host header names, or undefined when it names none (`example.com`, `[::1]`). */
function hostPort(host: string): number | undefined {
  const match = /:(\d+)$/.exec(host.trim());
  if (match === null || host.trim().endsWith(']')) return undefined;
  return Number(match[1]);
}

/** Checks a handshake request against the service's settings; undefined when it may proceed. */
export function admissionRefusal(request: IncomingMessage, settings: WebSocketSettings): AdmissionRefusal | undefined {
  const version = request.headers['sec-websocket-version']?.trim();
  if (version !== undefined && !settings.versions.has(version)) {
    // RFC 6455 section 4.2.2: a version the server does not speak gets 426 and the versions it does.
    const supported = [...settings.versions].join(', ');
    return { status: 426, body: { error: `unsupported Sec-WebSocket-Version ${version}; supported: ${supported}` } };
  }
  if (settings.externalPort !== undefined) {
    // Autobahn's check: a Host naming a port must name the one clients are told to use.
    const port = hostPort(request.headers.host ?? '');
    if (port !== undefined && port !== settings.externalPort) {
      return {
        status: 400,
        body: { error: `port ${port} in the Host header is not this service's port ${settings.externalPort}` },
      };
    }
  }
  const origin = request.headers.origin;
  if (origin !== undefined) {
    const allowed = isNullOrigin(origin)
      ? settings.allowNullOrigin
      : settings.originAllowed === undefined || settings.originAllowed(origin);
    if (!allowed) return { status: 403, body: { error: `origin not allowed: ${origin}` } };
  }
  return undefined;
}
