/**
 * The HTTP timeouts of a listener from its config (docs/security.md): a web transport's
 * `options.http_headers_timeout` and `options.http_request_timeout`, or the `web.options` of a
 * universal one; the defaults elsewhere (a websocket transport also has Crossbar's
 * `open_handshake_timeout`, websocket-settings.ts).
 */
import type { TransportConfig } from '../config/config-schema.js';
import { DEFAULT_HTTP_TIMEOUTS, type HttpTimeouts } from './http-listener.js';

export function httpTimeoutsOf(transport: TransportConfig): HttpTimeouts {
  const options =
    transport.type === 'web' ? transport.options : transport.type === 'universal' ? transport.web?.options : undefined;
  const headersMs = options?.http_headers_timeout ?? DEFAULT_HTTP_TIMEOUTS.headersMs;
  // node:http requires the request timeout to be at least the headers timeout.
  const requestMs = Math.max(headersMs, options?.http_request_timeout ?? DEFAULT_HTTP_TIMEOUTS.requestMs);
  return { headersMs, requestMs };
}
