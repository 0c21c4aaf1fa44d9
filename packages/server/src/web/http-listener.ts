/**
 * A listening node:http server for one transport's endpoint. Requests and WebSocket upgrades
 * go to the transport's handlers; closing stops accepting and drops idle keep-alive connections.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { TransportError } from '@interchange/protocol';
import type { EndpointConfig } from '../config/config-schema.js';
import type { Logger } from '../logger.js';
import { sendError } from './http-responses.js';

/** What a listener does with what arrives. Handlers must not throw. */
export interface ListenerHandlers {
  request(req: IncomingMessage, res: ServerResponse): void;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

/** Where a listener is bound. */
export interface BoundAddress {
  /** The bound address as the OS reports it, e.g. `127.0.0.1` or `::`. */
  host: string;
  port: number;
  family: string;
}

/**
 * The address to bind for an endpoint: its `interface`; else `0.0.0.0` for `version: 4`, `::`
 * for `version: 6`; else Node's default, all interfaces dual-stack (IPv6 and IPv4), so
 * `localhost` works whether it resolves to `::1` or `127.0.0.1`.
 */
export function bindHost(endpoint: Pick<EndpointConfig, 'interface' | 'version'>): string | undefined {
  if (endpoint.interface !== undefined) return endpoint.interface;
  if (endpoint.version === 4) return '0.0.0.0';
  if (endpoint.version === 6) return '::';
  return undefined;
}

/** An HTTP server bound to one endpoint. */
export class HttpListener {
  readonly #server: Server;
  readonly address: BoundAddress;

  private constructor(server: Server, address: BoundAddress) {
    this.#server = server;
    this.address = address;
  }

  /**
   * Binds a server and resolves once it listens.
   * @throws TransportError when the address cannot be bound (in use, not local, no permission).
   */
  static async listen(endpoint: EndpointConfig, handlers: ListenerHandlers, logger: Logger): Promise<HttpListener> {
    const server = createServer();
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      try {
        handlers.request(req, res);
      } catch (error) {
        logger.error({ err: error, url: req.url }, 'request handler failed');
        if (!res.headersSent) sendError(res, 500, 'internal error');
      }
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', (error) => logger.debug({ err: error }, 'upgrade socket error'));
      try {
        handlers.upgrade(req, socket, head);
      } catch (error) {
        logger.error({ err: error, url: req.url }, 'upgrade handler failed');
        socket.destroy();
      }
    });
    server.on('clientError', (error, socket) => {
      logger.debug({ err: error }, 'bad HTTP request');
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else socket.destroy();
    });
    const host = bindHost(endpoint);
    await new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        const where = `${host ?? '(all interfaces)'}:${endpoint.port}`;
        reject(new TransportError(`cannot listen on ${where}: ${error.code ?? error.message}`, { cause: error }));
      };
      server.once('error', onError);
      server.listen({ port: endpoint.port, host, backlog: endpoint.backlog }, () => {
        server.off('error', onError);
        resolve();
      });
    });
    server.on('error', (error) => logger.error({ err: error }, 'http server error'));
    const info = server.address() as AddressInfo;
    return new HttpListener(server, { host: info.address, port: info.port, family: info.family });
  }

  /** Stops accepting connections and closes the open HTTP ones; resolves when the server is closed. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }
}
