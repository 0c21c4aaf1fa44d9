/**
 * A RawSocket service: a `rawsocket` transport, or the RawSocket part of a `universal` one. It
 * takes the sockets its listener accepts (TCP, TLS or Unix), runs the handshake on each and
 * attaches the accepted ones to the router.
 */
import type { Socket } from 'node:net';
import { rawSocketLengthExponent, rawSocketMaxLength, type SerializerName } from '@interchange/protocol';
import { acceptAuthOf } from '../config/auth-schema.js';
import type { RawSocketConfig } from '../config/config-schema.js';
import { DEFAULT_ANONYMOUS_ROLE } from '../config/config-walk.js';
import type { Logger } from '../logger.js';
import type { SessionAcceptor } from '../session-acceptor.js';
import type { FrameCachePool } from './frame-cache.js';
import { DEFAULT_HELLO_TIMEOUT_MS, withHelloTimeout } from './hello-timeout.js';
import { RawSocketConnection } from './rawsocket-connection.js';
import { type OutboundOptions, outboundOptionsOf, SlowConsumerCounters } from './slow-consumer.js';
import { tlsPeerInfo } from './tls-context.js';
import { tlsCredentialsOf } from './tls-credentials.js';
import { transportLogger } from './transport-logger.js';

/** Crossbar's default `max_message_size` of RawSocket transports: 128 KiB. */
export const DEFAULT_RAWSOCKET_MAX_MESSAGE_SIZE = 128 * 1024;
/** How long a client has to send its handshake. */
export const RAWSOCKET_HANDSHAKE_TIMEOUT_MS = 10_000;

/** Options of {@link RawSocketService}. */
export interface RawSocketServiceOptions {
  config: RawSocketConfig;
  router: SessionAcceptor;
  frameCaches: FrameCachePool;
  logger: Logger;
  handshakeTimeoutMs?: number;
}

/** The remote address of a socket as Crossbar writes peers: `tcp4:127.0.0.1:53122`, `unix`. */
export function socketPeer(socket: Socket): string {
  const address = socket.remoteAddress;
  if (address === undefined) return 'unix';
  const port = socket.remotePort ?? 0;
  if (address.startsWith('::ffff:')) return `tcp4:${address.slice(7)}:${port}`;
  return `${socket.remoteFamily === 'IPv6' ? 'tcp6' : 'tcp4'}:${address}:${port}`;
}

/** Accepts WAMP-over-RawSocket connections for one configured service. */
export class RawSocketService {
  /** The largest message accepted, in octets (the configured size rounded up to a power of two). */
  readonly maxMessageSize: number;
  readonly #serializers: readonly SerializerName[];
  readonly #lengthExponent: number;
  readonly #options: RawSocketServiceOptions;
  readonly #connections = new Set<RawSocketConnection>();
  readonly #outbound: OutboundOptions;
  readonly #router: SessionAcceptor;
  /** Slow-consumer drops and disconnects of this service's connections. */
  readonly slowConsumers = new SlowConsumerCounters();
  #closed = false;

  constructor(options: RawSocketServiceOptions) {
    const { config } = options;
    this.#options = { ...options, logger: transportLogger(options.logger, config.debug) };
    // `serializer` is the older Crossbar spelling of a one-item `serializers`.
    this.#serializers =
      config.serializers ?? (config.serializer === undefined ? ['json', 'msgpack', 'cbor'] : [config.serializer]);
    // Crossbar's place is `options.max_message_size`; the top level is Interchange's older one.
    this.#lengthExponent = rawSocketLengthExponent(
      config.options?.max_message_size ?? config.max_message_size ?? DEFAULT_RAWSOCKET_MAX_MESSAGE_SIZE,
    );
    this.maxMessageSize = rawSocketMaxLength(this.#lengthExponent);
    this.#outbound = outboundOptionsOf(config.options, this.slowConsumers);
    this.#router = withHelloTimeout(
      options.router,
      config.options?.hello_timeout ?? DEFAULT_HELLO_TIMEOUT_MS,
      this.#options.logger,
    );
  }

  /** Open connections (handshake included). */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Takes an accepted socket. Never throws. */
  handleSocket(socket: Socket): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    const { frameCaches, logger, config } = this.#options;
    const router = this.#router;
    const authrole = config.auth?.anonymous?.role ?? DEFAULT_ANONYMOUS_ROLE;
    const tls = tlsPeerInfo(socket);
    const connection = new RawSocketConnection({
      socket,
      cacheFor: (name) => (this.#serializers.includes(name) ? frameCaches.forSubprotocol(`wamp.2.${name}`) : undefined),
      lengthExponent: this.#lengthExponent,
      attach: (peer) => router.connect(peer, { authrole, ...acceptAuthOf(config.auth), ...tlsCredentialsOf(socket) }),
      handshakeTimeoutMs:
        this.#options.handshakeTimeoutMs ?? config.options?.handshake_timeout ?? RAWSOCKET_HANDSHAKE_TIMEOUT_MS,
      info: { peer: socketPeer(socket), ...(tls === undefined ? {} : { tls }) },
      logger,
      outbound: this.#outbound,
    });
    this.#connections.add(connection);
    void connection.closed.then(() => this.#connections.delete(connection));
    try {
      connection.start();
    } catch (error) {
      logger.error({ err: error }, 'rawsocket connection failed to start');
      socket.destroy();
    }
  }

  /** Refuses new connections and ends those still open, giving each up to `graceMs`. */
  async close(graceMs = 1000): Promise<void> {
    this.#closed = true;
    const connections = [...this.#connections];
    this.#connections.clear();
    await Promise.all(connections.map((connection) => connection.shutdown(graceMs)));
  }
}
