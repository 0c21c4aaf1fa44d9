/**
 * What a WebSocket service answers to a plain HTTP request (no upgrade). With Crossbar's
 * `enable_webstatus` (its default), a GET gets a small HTML page saying that this is a WAMP
 * WebSocket endpoint, with 200 as Autobahn answers, so a browser or a health check opening the
 * URL sees what is there. Without it, or for other methods, 426 Upgrade Required with a JSON body
 * (RFC 9110 section 15.5.22).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SUPPORTED_WEBSOCKET_VERSIONS, sendError } from '../web/http-responses.js';

/** What the answer needs to know of the service. */
export interface StatusPageService {
  readonly subprotocols: readonly string[];
  readonly webStatus: boolean;
  /** `Interchange/<version>` when the service may name its version. */
  readonly serverHeader: string | undefined;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The status page of a service. */
export function statusPage(service: StatusPageService): string {
  const product = escapeHtml(service.serverHeader?.replace('/', ' ') ?? 'Interchange');
  const subprotocols = service.subprotocols.map((p) => `<li><code>${escapeHtml(p)}</code></li>`).join('');
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>WAMP WebSocket endpoint</title></head>
<body>
<h1>${product}</h1>
<p>This URL is a <b>WAMP WebSocket endpoint</b>, not a web page. Connect to it with a WAMP client
(such as Autobahn|JS) over WebSocket, offering one of these subprotocols:</p>
<ul>${subprotocols}</ul>
</body>
</html>
`;
}

/** Answers a plain HTTP request to a WebSocket service. */
export function answerPlainRequest(req: IncomingMessage, res: ServerResponse, service: StatusPageService): void {
  const extra: Record<string, string> = service.serverHeader === undefined ? {} : { server: service.serverHeader };
  if (service.webStatus && (req.method === 'GET' || req.method === 'HEAD')) {
    const body = statusPage(service);
    res.writeHead(200, {
      ...extra,
      'content-type': 'text/html; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return;
  }
  sendError(
    res,
    426,
    'this path accepts WebSocket connections only',
    { supported: [...service.subprotocols] },
    { ...extra, upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-version': SUPPORTED_WEBSOCKET_VERSIONS },
  );
}
