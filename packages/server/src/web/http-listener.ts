/**
 * HTTP over a listening endpoint. An {@link HttpConnectionHandler} is a node:http server that
 * never listens itself: it is handed connections — by an endpoint listener of its own
 * ({@link HttpListener}), or by a universal listener once it has seen that a connection speaks
 * HTTP. Requests and WebSocket upgrades go to the transport's handlers.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ListeningEndpointConfig } from '../config/endpoint-schema.js';
import type { Logger } from '../logger.js';
import { type BoundAddress, EndpointListener } from '../transports/endpoint-listener.js';
import { sendError } from './http-responses.js';
import { safeRequestPath } from './safe-url.js';

export { type BoundAddress, bindHost } from '../transports/endpoint-listener.js';

/** What a listener does with what arrives. Handlers must not throw. */
export interface ListenerHandlers {
  request(req: IncomingMessage, res: ServerResponse): void;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

/** How long a client may take to send a request (docs/security.md). */
export interface HttpTimeouts {
  /** From connection (or the previous response) to the request's last header line. */
  headersMs: number;
  /** From connection (or the previous response) to the request's last body byte. */
  requestMs: number;
}

/** The defaults: generous for a human on a slow link, short enough that idle sockets go. */
export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = { headersMs: 30_000, requestMs: 300_000 };

/** Parses HTTP on the connections it is given and dispatches to the handlers. */
export class HttpConnectionHandler {
  readonly #server: Server;

  constructor(handlers: ListenerHandlers, logger: Logger, timeouts: HttpTimeouts = DEFAULT_HTTP_TIMEOUTS) {
    const server = createServer({
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(timeouts.headersMs / 4))),
    });
    // node:http checks these timeouts on a timer it starts when the server listens; this one is
    // handed its connections and never listens, so the timer is started here. Without it, a
    // client trickling its headers or body held its socket forever (issue 12).
    server.emit('listening');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      try {
        handlers.request(req, res);
      } catch (error) {
        logger.error({ err: error, url: safeRequestPath(req.url) }, 'request handler failed');
        if (!res.headersSent) sendError(res, 500, 'internal error');
      }
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', (error) => logger.debug({ err: error }, 'upgrade socket error'));
      try {
        handlers.upgrade(req, socket, head);
      } catch (error) {
        logger.error({ err: error, url: safeRequestPath(req.url) }, 'upgrade handler failed');
        socket.destroy();
      }
    });
    server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
      if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
        logger.info(
          {
            peer: (socket as Socket).remoteAddress,
            limit: 'options.http_headers_timeout, options.http_request_timeout',
          },
          'HTTP request not received in time; closing the connection',
        );
        if (socket.writable)
          socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        else socket.destroy();
        return;
      }
      logger.debug({ err: error }, 'bad HTTP request');
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else socket.destroy();
    });
    this.#server = server;
  }

  /** Stops the timeout checks (the connections themselves are closed by their listener). */
  close(): void {
    // Never listening, the server answers ERR_SERVER_NOT_RUNNING to the callback; the close still
    // clears the checking timer.
    this.#server.close(() => {});
  }

  /** Serves HTTP on a connection (plain or TLS). */
  handleSocket(socket: Socket): void {
    this.#server.emit('connection', socket);
  }
}

/** An HTTP server bound to one endpoint (TCP, TLS or Unix). */
export class HttpListener {
  readonly #endpoint: EndpointListener;
  readonly #http: HttpConnectionHandler;

  private constructor(endpoint: EndpointListener, http: HttpConnectionHandler) {
    this.#endpoint = endpoint;
    this.#http = http;
  }

  /** Where the listener is bound. */
  get address(): BoundAddress {
    return this.#endpoint.address;
  }

  /** Whether it serves HTTPS. */
  get secure(): boolean {
    return this.#endpoint.secure;
  }

  /**
   * Binds an endpoint and resolves once it listens.
   * @throws TransportError when the address cannot be bound (in use, not local, no permission).
   */
  static async listen(
    endpoint: ListeningEndpointConfig,
    handlers: ListenerHandlers,
    logger: Logger,
    cbdir = process.cwd(),
  ): Promise<HttpListener> {
    const http = new HttpConnectionHandler(handlers, logger);
    const listener = await EndpointListener.listen(endpoint, {
      cbdir,
      logger,
      onSocket: (socket) => http.handleSocket(socket),
    });
    return new HttpListener(listener, http);
  }

  /** Stops accepting connections and closes the open ones; resolves when the listener is closed. */
  async close(): Promise<void> {
    await this.#endpoint.close();
    this.#http.close();
  }
}
