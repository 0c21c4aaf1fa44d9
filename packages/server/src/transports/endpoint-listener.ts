/**
 * Binding a listening endpoint: TCP, TCP with TLS, or a Unix domain socket. Each accepted
 * connection (after the TLS handshake, for TLS) is handed to the transport as a plain duplex
 * socket, so HTTP, WebSocket and RawSocket run the same over each kind of endpoint.
 */

import { rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { connect, createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { TransportError } from '@interchange/protocol';
import type { ListeningEndpointConfig } from '../config/endpoint-schema.js';
import { resolveInCbdir } from '../config/validate-config.js';
import type { Logger } from '../logger.js';
import { ConnectionsPerAddress, DEFAULT_MAX_CONNECTIONS_PER_ADDRESS } from './connections-per-address.js';
import { boundConnections, DEFAULT_MAX_CONNECTIONS } from './connections-per-listener.js';
import { loadTlsOptions } from './tls-context.js';

/** Milliseconds a TLS client has to complete its handshake when `tls.handshake_timeout` is not set. */
export const DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

/** Where a listener is bound. */
export interface BoundAddress {
  /** The bound address as the OS reports it (`127.0.0.1`, `::`), or the socket path. */
  host: string;
  /** The bound port; 0 for a Unix socket. */
  port: number;
  /** `IPv4`, `IPv6` or `unix`. */
  family: string;
}

/** Bytes that crossed an endpoint's connections, as the TCP (or Unix) sockets counted them. */
export interface EndpointTraffic {
  /** Bytes received, TLS records and HTTP included. */
  bytesIn: number;
  /** Bytes sent. */
  bytesOut: number;
  /** Connections open now. */
  connections: number;
}

/** Options of {@link listenEndpoint}. */
export interface ListenEndpointOptions {
  /** Where TLS files and socket paths resolve. */
  cbdir: string;
  /** Takes each accepted connection. Must not throw. */
  onSocket: (socket: Socket) => void;
  logger: Logger;
}

/**
 * The address to bind for a TCP endpoint: its `interface`; else `0.0.0.0` for `version: 4`, `::`
 * for `version: 6`; else Node's default, all interfaces dual-stack (IPv6 and IPv4), so
 * `localhost` works whether it resolves to `::1` or `127.0.0.1`.
 */
export function bindHost(endpoint: {
  interface?: string | undefined;
  version?: 4 | 6 | undefined;
}): string | undefined {
  if (endpoint.interface !== undefined) return endpoint.interface;
  if (endpoint.version === 4) return '0.0.0.0';
  if (endpoint.version === 6) return '::';
  return undefined;
}

/** Whether a Unix socket file is live (something accepts on it). */
function socketIsLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect({ path });
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

function listen(
  server: Server,
  options: { port?: number; host?: string | undefined; path?: string; backlog?: number | undefined },
): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** A bound endpoint. */
export class EndpointListener {
  readonly address: BoundAddress;
  /** Whether connections are TLS. */
  readonly secure: boolean;
  readonly #server: Server;
  readonly #sockets: Set<Socket>;
  readonly #unixPath: string | undefined;
  /** What connections that closed moved, added up when each closes. */
  readonly #closedTraffic: { bytesIn: number; bytesOut: number };

  private constructor(
    server: Server,
    address: BoundAddress,
    secure: boolean,
    sockets: Set<Socket>,
    unixPath: string | undefined,
    closedTraffic: { bytesIn: number; bytesOut: number },
  ) {
    this.#closedTraffic = closedTraffic;
    this.#server = server;
    this.address = address;
    this.secure = secure;
    this.#sockets = sockets;
    this.#unixPath = unixPath;
  }

  /**
   * Binds an endpoint and resolves once it listens.
   * @throws TransportError when it cannot be bound (in use, not local, no permission, bad TLS files).
   */
  static async listen(endpoint: ListeningEndpointConfig, options: ListenEndpointOptions): Promise<EndpointListener> {
    const sockets = new Set<Socket>();
    // Node counts every socket's bytes anyway; they are read when asked (metrics), and added
    // up here when a socket closes. Nothing is counted per message.
    const closedTraffic = { bytesIn: 0, bytesOut: 0 };
    // The listeners are shared by all of the endpoint's sockets (the socket is `this`): a closure
    // or a `once` wrapper per socket would cost memory for every idle connection. 'close' is
    // emitted once.
    function logSocketError(error: Error): void {
      options.logger.debug({ err: error }, 'socket error');
    }
    function untrack(this: Socket): void {
      sockets.delete(this);
      closedTraffic.bytesIn += this.bytesRead;
      closedTraffic.bytesOut += this.bytesWritten;
    }
    const accept = (socket: Socket) => {
      // Refused by the per-address bound (below) before the transport saw it.
      if (socket.destroyed) return;
      socket.on('error', logSocketError);
      options.onSocket(socket);
    };
    // Every raw connection is tracked, TLS ones still in their handshake included, so closing
    // the listener never waits on a client.
    const track = (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', untrack);
    };
    const where =
      endpoint.type === 'unix'
        ? resolveInCbdir(options.cbdir, endpoint.path)
        : `${bindHost(endpoint) ?? '(all interfaces)'}:${endpoint.port}`;
    let server: Server;
    let secure = false;
    if (endpoint.type === 'tcp' && endpoint.tls !== undefined) {
      try {
        server = createTlsServer(
          {
            ...(await loadTlsOptions(endpoint.tls, options.cbdir)),
            // Node's default is 120 s: long enough for idle handshakes to pile up (docs/security.md).
            handshakeTimeout: endpoint.tls.handshake_timeout ?? DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS,
          },
          accept,
        );
      } catch (error) {
        throw new TransportError(`cannot listen on ${where}: TLS setup failed: ${(error as Error).message}`, {
          cause: error,
        });
      }
      server.on('tlsClientError', (error: NodeJS.ErrnoException, socket) => {
        if (error.code === 'ERR_TLS_HANDSHAKE_TIMEOUT')
          options.logger.info(
            { peer: socket.remoteAddress, limit: 'tls.handshake_timeout' },
            'TLS handshake not completed in time; connection dropped',
          );
        else options.logger.debug({ err: error }, 'TLS handshake failed');
        // With a 'tlsClientError' listener, Node leaves the socket open: a client whose handshake
        // failed or timed out would hold it forever.
        socket.destroy();
      });
      secure = true;
    } else {
      server = createNetServer(accept);
    }
    server.on('connection', track);
    const maxPerAddress =
      endpoint.type === 'tcp' ? (endpoint.max_connections_per_address ?? DEFAULT_MAX_CONNECTIONS_PER_ADDRESS) : 0;
    boundConnections(server, endpoint.max_connections ?? DEFAULT_MAX_CONNECTIONS, options.logger, where);
    if (maxPerAddress > 0) {
      const perAddress = new ConnectionsPerAddress(maxPerAddress, options.logger);
      // First of the connection listeners: a refused socket is gone before TLS or the transport.
      server.prependListener('connection', (socket: Socket) => perAddress.admit(socket));
    }
    try {
      if (endpoint.type === 'unix') {
        const path = resolveInCbdir(options.cbdir, endpoint.path);
        try {
          await listen(server, { path, backlog: endpoint.backlog });
        } catch (error) {
          // A socket file left by a node that died is replaced; a live one is not taken over.
          if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || (await socketIsLive(path))) throw error;
          await rm(path, { force: true });
          await listen(server, { path, backlog: endpoint.backlog });
        }
        server.on('error', (error) => options.logger.error({ err: error }, 'listener error'));
        const address = { host: path, port: 0, family: 'unix' };
        return new EndpointListener(server, address, false, sockets, path, closedTraffic);
      }
      await listen(server, { port: endpoint.port, host: bindHost(endpoint), backlog: endpoint.backlog });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new TransportError(`cannot listen on ${where}: ${code}`, { cause: error });
    }
    server.on('error', (error) => options.logger.error({ err: error }, 'listener error'));
    const info = server.address() as AddressInfo;
    return new EndpointListener(
      server,
      { host: info.address, port: info.port, family: info.family },
      secure,
      sockets,
      undefined,
      closedTraffic,
    );
  }

  /** Bytes moved by the endpoint's connections so far, open and closed ones. */
  get traffic(): EndpointTraffic {
    let { bytesIn, bytesOut } = this.#closedTraffic;
    for (const socket of this.#sockets) {
      bytesIn += socket.bytesRead;
      bytesOut += socket.bytesWritten;
    }
    return { bytesIn, bytesOut, connections: this.#sockets.size };
  }

  /** Open connections. */
  get connectionCount(): number {
    return this.#sockets.size;
  }

  /** Stops accepting, drops the connections still open, and removes a Unix socket file. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
    if (this.#unixPath !== undefined) await rm(this.#unixPath, { force: true });
  }
}
