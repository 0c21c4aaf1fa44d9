/**
 * The `websocket-reverseproxy` path service (Crossbar's Reverse WebSocket Proxy): each WebSocket
 * connection opened at the path is relayed to a backend WebSocket server (http-proxy-3). The
 * opening handshake goes to the backend (to `backend.endpoint`, with the path, query and host of
 * `backend.url`), so the subprotocol and extensions are the ones client and backend agree on; then
 * frames flow both ways untouched, any subprotocol, text or binary. A backend that cannot be
 * reached or refuses the handshake gives the client 502 with a JSON body. A plain HTTP request to
 * the path gets 426, as on a WebSocket path.
 */
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Duplex } from 'node:stream';
import { checkServerIdentity } from 'node:tls';
import { createProxyServer, type ProxyServer, type ProxyTarget } from 'http-proxy-3';
import type { WebSocketReverseProxyPathConfig } from '../config/path-services-schema.js';
import { resolveInCbdir } from '../config/validate-config.js';
import type { Logger } from '../logger.js';
import { refuseUpgrade, sendError } from './http-responses.js';
import type { PathHandler } from './path-handler.js';

/** Milliseconds a backend has to be connected and answer the opening handshake (Crossbar's connect timeout). */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

type BackendEndpoint = WebSocketReverseProxyPathConfig['backend']['endpoint'];

/** The agent of backend connections: TLS as Crossbar's connecting endpoint `tls` (trust, client certificate, name). */
function backendAgent(endpoint: BackendEndpoint, cbdir: string): HttpAgent {
  const family = endpoint.type === 'tcp' ? endpoint.version : undefined;
  const tls = endpoint.type === 'tcp' ? endpoint.tls : undefined;
  if (tls === undefined) return new HttpAgent(family === undefined ? {} : { family });
  const read = (file: string) => readFileSync(resolveInCbdir(cbdir, file), 'utf8');
  return new HttpsAgent({
    ...(family === undefined ? {} : { family }),
    servername: tls.hostname,
    // The certificate must name `hostname`, whatever address the endpoint connects to.
    checkServerIdentity: (_host, cert) => checkServerIdentity(tls.hostname, cert),
    ...(tls.ca_certificates === undefined ? {} : { ca: tls.ca_certificates.map(read) }),
    ...(tls.certificate === undefined || tls.key === undefined
      ? {}
      : { cert: read(tls.certificate), key: read(tls.key) }),
  });
}

/**
 * One websocket-reverseproxy path.
 *
 * @example
 * const proxy = new WebSocketReverseProxy({ config, cbdir, logger });
 * routes.set('proxy1', proxy.handle); // proxy.handle.upgrade takes the upgrades
 */
export class WebSocketReverseProxy {
  readonly #proxy: ProxyServer;
  readonly #target: ProxyTarget;
  readonly #path: string;
  readonly #host: string;
  readonly #backend: string;
  readonly #logger: Logger;
  /** Client sockets whose handshake the backend accepted: errors there end the relay, no HTTP answer. */
  readonly #upgraded = new WeakSet<Duplex>();
  /** Client sockets already answered (the handshake timed out): later errors add nothing. */
  readonly #answered = new WeakSet<Duplex>();
  /** Open client connections, ended when the node stops. */
  readonly #open = new Set<Duplex>();

  readonly #handshakeTimeoutMs: number;
  /** How backend connections are made: IP version, TLS trust and client certificate. */
  readonly #agent: HttpAgent;

  constructor(options: {
    config: WebSocketReverseProxyPathConfig;
    cbdir: string;
    logger: Logger;
    /** Milliseconds the backend has to answer the opening handshake (default: the endpoint's `timeout`, else 10 s). */
    handshakeTimeoutMs?: number;
  }) {
    const { backend } = options.config;
    this.#handshakeTimeoutMs =
      options.handshakeTimeoutMs ??
      (backend.endpoint.timeout === undefined ? HANDSHAKE_TIMEOUT_MS : backend.endpoint.timeout * 1000);
    const url = new URL(backend.url);
    const endpoint = backend.endpoint;
    const tls = endpoint.type === 'tcp' ? endpoint.tls : undefined;
    const protocol = tls === undefined ? 'http:' : 'https:';
    this.#path = `${url.pathname || '/'}${url.search}`;
    this.#host = url.host;
    this.#backend = backend.url;
    this.#logger = options.logger;
    this.#agent = backendAgent(endpoint, options.cbdir);
    this.#target =
      endpoint.type === 'tcp'
        ? { host: endpoint.host, port: endpoint.port, protocol }
        : { socketPath: resolveInCbdir(options.cbdir, endpoint.path), host: url.hostname, port: 0, protocol };
    this.#proxy = createProxyServer({ ws: true, xfwd: true });
    this.#proxy.on('error', () => undefined);
    this.#proxy.on('proxyReqWs', (proxyReq, _req, socket) => {
      proxyReq.once('upgrade', () => this.#upgraded.add(socket));
      // A backend that accepts the connection but never answers the handshake must not hold the client.
      const timer = setTimeout(() => {
        if (this.#upgraded.has(socket) || socket.destroyed) return;
        this.#answered.add(socket);
        proxyReq.destroy();
        this.#logger.warn({ backend: this.#backend }, 'websocket reverse proxy: backend handshake timed out');
        refuseUpgrade(socket, 504, {
          error: 'gateway timeout: the backend WebSocket server did not answer the handshake',
        });
      }, this.#handshakeTimeoutMs);
      timer.unref();
      proxyReq.once('close', () => clearTimeout(timer));
      socket.once('close', () => clearTimeout(timer));
    });
  }

  /** Answers plain HTTP requests: this path takes WebSocket connections only. */
  readonly handle: PathHandler = Object.assign(
    ((req, res, subPath) => {
      if (subPath !== '' && subPath !== '/') {
        sendError(res, 404, 'not found', { path: req.url ?? '' });
        return;
      }
      sendError(
        res,
        426,
        'this path accepts WebSocket connections only',
        {},
        { upgrade: 'websocket', connection: 'Upgrade' },
      );
    }) satisfies PathHandler,
    {
      upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer, subPath: string) =>
        this.#upgrade(req, socket, head, subPath),
    },
  );

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, subPath: string): void {
    if (subPath !== '' && subPath !== '/') {
      refuseUpgrade(socket, 404, { error: 'no WebSocket service at this path', path: req.url ?? '' });
      return;
    }
    this.#open.add(socket);
    socket.once('close', () => this.#open.delete(socket));
    req.url = this.#path;
    const options = { target: this.#target, headers: { host: this.#host }, agent: this.#agent };
    this.#proxy.ws(req, socket, head, options, (error) => {
      if (this.#answered.has(socket)) return;
      if (this.#upgraded.has(socket)) {
        this.#logger.debug(
          { err: error, backend: this.#backend },
          'websocket reverse proxy: backend connection failed',
        );
        return;
      }
      this.#logger.warn({ err: error, backend: this.#backend }, 'websocket reverse proxy: backend not reachable');
      refuseUpgrade(socket, 502, {
        error: 'bad gateway: the backend WebSocket server is not reachable',
        reason: error.message,
      });
    });
  }

  /** Ends the relayed connections. */
  close(): void {
    for (const socket of this.#open) socket.destroy();
    this.#open.clear();
    this.#agent.destroy();
  }
}
