/**
 * A WebSocket service: a `websocket` transport, or a `websocket` path of a web transport. It
 * takes HTTP upgrade requests from whichever listener routes them here, negotiates the WAMP
 * subprotocol, and attaches each accepted connection to the router.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { SerializerName } from '@interchange/protocol';
import type { Peer } from '@interchange/router';
import { type PerMessageDeflateOptions, WebSocketServer } from 'ws';
import { acceptAuthOf } from '../config/auth-schema.js';
import type { WebSocketPathConfig } from '../config/config-schema.js';
import type { Logger } from '../logger.js';
import type { AcceptOptions, SessionAcceptor } from '../session-acceptor.js';
import { refuseUpgrade } from '../web/http-responses.js';
import { CookieTracker } from './cookie-tracker.js';
import { DirectWebSocket } from './direct-websocket.js';
import type { FrameCachePool } from './frame-cache.js';
import { type OutboundOptions, outboundOptionsOf, SlowConsumerCounters } from './slow-consumer.js';
import { type ServerTransportInfo, tlsPeerInfo } from './tls-context.js';
import { tlsCredentialsOf } from './tls-credentials.js';
import { WebSocketConnection } from './websocket-connection.js';
import { handshakeRefusal, switchingProtocols } from './websocket-handshake.js';
import {
  acceptedSubprotocols,
  DEFAULT_SERIALIZERS,
  negotiateSubprotocol,
  parseOfferedSubprotocols,
} from './websocket-negotiation.js';
import { type WebSocketWire, wsWire } from './websocket-wire.js';

/**
 * Largest WebSocket message accepted when the config sets no `max_message_size`: 1 MiB.
 * Crossbar leaves it unlimited by default; a bound keeps one peer from making the router buffer
 * arbitrarily large frames.
 */
export const DEFAULT_MAX_MESSAGE_SIZE = 1024 * 1024;

/**
 * The `ws` library's hard limit is this many times `max_message_size`: a message between the two
 * is read, then answered with ABORT `wamp.error.protocol_violation` (a WAMP-level error the client
 * can report); beyond it `ws` stops reading and closes with 1009 (message too big).
 */
const HARD_LIMIT_FACTOR = 2;

/** Options of {@link WebSocketService}. */
export interface WebSocketServiceOptions {
  config: WebSocketPathConfig;
  router: SessionAcceptor;
  frameCaches: FrameCachePool;
  logger: Logger;
}

/** Turns an `allowed_origins` pattern (`*` wildcards) into a test. */
function originMatcher(patterns: readonly string[]): (origin: string) => boolean {
  const regexes = patterns.map(
    (pattern) =>
      new RegExp(
        `^${pattern
          .split('*')
          .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*')}$`,
        'i',
      ),
  );
  return (origin) => regexes.some((regex) => regex.test(origin));
}

/**
 * The `ws` permessage-deflate settings of Crossbar's `compression.deflate` (RFC 7692), or false
 * when compression is not configured.
 */
export function deflateOptions(config: WebSocketPathConfig): PerMessageDeflateOptions | false {
  const deflate = config.options?.compression?.deflate;
  if (deflate === undefined) return false;
  const options: PerMessageDeflateOptions = {};
  if (deflate.no_context_takeover !== undefined) options.serverNoContextTakeover = deflate.no_context_takeover;
  if (deflate.request_no_context_takeover !== undefined)
    options.clientNoContextTakeover = deflate.request_no_context_takeover;
  if (deflate.max_window_bits !== undefined) options.serverMaxWindowBits = deflate.max_window_bits;
  if (deflate.request_max_window_bits !== undefined) options.clientMaxWindowBits = deflate.request_max_window_bits;
  if (deflate.memory_level !== undefined) options.zlibDeflateOptions = { memLevel: deflate.memory_level };
  if (deflate.threshold !== undefined) options.threshold = deflate.threshold;
  return options;
}

/** Accepts WAMP WebSocket connections for one configured service. */
export class WebSocketService {
  /** The subprotocols this service accepts, in order of preference. */
  readonly subprotocols: readonly string[];
  /** The largest message accepted, in bytes. */
  readonly maxMessageSize: number;
  readonly #router: SessionAcceptor;
  readonly #caches: FrameCachePool;
  readonly #logger: Logger;
  /**
   * What a connection without TLS or cookie credentials is connected with: Crossbar's anonymous
   * role by default, and the transport's `auth` block, with which clients authenticate.
   */
  readonly #plainConnectOptions: AcceptOptions;
  /** Cookies for `cookie` authentication, when the `auth` block allows it. */
  readonly #cookies: CookieTracker | undefined;
  readonly #originAllowed: ((origin: string) => boolean) | undefined;
  readonly #ping: { intervalMs: number; timeoutMs: number } | undefined;
  /**
   * ws serves the connections of a service with permessage-deflate, which it implements; without
   * it, Interchange runs the WebSocket itself ({@link DirectWebSocket}), on the hot path.
   */
  readonly #server: WebSocketServer;
  readonly #deflate: PerMessageDeflateOptions | false;
  readonly #negotiated = new WeakMap<IncomingMessage, string>();
  readonly #connections = new Set<WebSocketConnection>();
  readonly #forget = (connection: WebSocketConnection) => this.#connections.delete(connection);
  readonly #outbound: OutboundOptions;
  /** Slow-consumer drops and disconnects of this service's connections. */
  readonly slowConsumers = new SlowConsumerCounters();
  #closed = false;

  constructor(options: WebSocketServiceOptions) {
    const { config } = options;
    const serializers: readonly SerializerName[] = config.serializers ?? DEFAULT_SERIALIZERS;
    this.subprotocols = acceptedSubprotocols(serializers);
    this.maxMessageSize = config.options?.max_message_size ?? DEFAULT_MAX_MESSAGE_SIZE;
    this.#router = options.router;
    this.#caches = options.frameCaches;
    this.#logger = options.logger;
    // Crossbar's default when a transport configures no auth: anonymous, role `anonymous`.
    this.#plainConnectOptions = { authrole: config.auth?.anonymous?.role ?? 'anonymous', ...acceptAuthOf(config.auth) };
    const origins = config.options?.allowed_origins;
    this.#originAllowed = origins === undefined ? undefined : originMatcher(origins);
    const interval = config.options?.auto_ping_interval ?? 0;
    this.#ping =
      interval > 0 ? { intervalMs: interval, timeoutMs: config.options?.auto_ping_timeout ?? interval } : undefined;
    this.#deflate = deflateOptions(config);
    this.#server = new WebSocketServer({
      noServer: true,
      maxPayload: this.maxMessageSize * HARD_LIMIT_FACTOR,
      perMessageDeflate: this.#deflate,
      clientTracking: false,
      // The JSON decoder checks UTF-8 itself (fatal TextDecoder): checked twice, every text frame
      // would cost two passes, and a bad one gets the WAMP ABORT rather than a bare close 1007.
      skipUTF8Validation: true,
      handleProtocols: (_offered, request) => this.#negotiated.get(request) ?? false,
    });
    this.#outbound = outboundOptionsOf(config.options, this.slowConsumers);
    this.#cookies = config.auth?.cookie === undefined ? undefined : new CookieTracker();
    this.#cookies?.attach(this.#server);
  }

  /** Open connections. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /**
   * Handles an HTTP upgrade request routed to this service (a listener's `upgrade` event).
   * Never throws; a refused handshake gets an HTTP error with a JSON body.
   */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    try {
      if (this.#closed) {
        refuseUpgrade(socket, 503, { error: 'the node is shutting down' });
        return;
      }
      const origin = request.headers.origin;
      if (this.#originAllowed !== undefined && origin !== undefined && !this.#originAllowed(origin)) {
        refuseUpgrade(socket, 403, { error: `origin not allowed: ${origin}` });
        return;
      }
      const offered = parseOfferedSubprotocols(request.headers['sec-websocket-protocol']);
      const negotiation = negotiateSubprotocol(offered, this.subprotocols);
      if (!negotiation.ok) {
        this.#logger.info(
          { offered, peer: request.socket.remoteAddress },
          'websocket handshake refused: no acceptable subprotocol',
        );
        refuseUpgrade(socket, 400, negotiation.body);
        return;
      }
      const cache = this.#caches.forSubprotocol(negotiation.subprotocol);
      if (cache === undefined) {
        refuseUpgrade(socket, 400, {
          error: `unsupported subprotocol ${negotiation.subprotocol}`,
          supported: [...this.subprotocols],
        });
        return;
      }
      this.#negotiated.set(request, negotiation.subprotocol);
      const cookie = this.#cookies?.handleFor(request);
      const credentials = tlsCredentialsOf(request.socket, cookie);
      const tls = tlsPeerInfo(request.socket);
      const connect = (wire: WebSocketWire) => {
        const connection = new WebSocketConnection({
          wire,
          socket,
          request,
          cache,
          caches: this.#caches,
          maxMessageSize: this.maxMessageSize,
          ping: this.#ping,
          logger: this.#logger,
          outbound: this.#outbound,
          onClosed: this.#forget,
        });
        this.#accept(connection, negotiation.subprotocol, tls, credentials);
      };
      if (this.#deflate !== false) {
        // ws negotiates and runs permessage-deflate.
        this.#server.handleUpgrade(request, socket, head, (ws) => connect(wsWire(ws)));
        return;
      }
      const refusal = handshakeRefusal(request);
      if (refusal !== undefined) {
        refuseUpgrade(socket, refusal.status, { error: refusal.error });
        return;
      }
      if (!socket.readable || !socket.writable) {
        socket.destroy();
        return;
      }
      const cookieHeader = this.#cookies?.setCookieHeader(request);
      const key = request.headers['sec-websocket-key'] as string;
      socket.write(switchingProtocols(key, negotiation.subprotocol, cookieHeader === undefined ? [] : [cookieHeader]));
      prepareSocket(socket);
      connect(new DirectWebSocket(socket, head, this.maxMessageSize * HARD_LIMIT_FACTOR));
    } catch (error) {
      this.#logger.error({ err: error }, 'websocket upgrade failed');
      socket.destroy();
    }
  }

  /**
   * Tracks a new connection and joins it to the router. Kept out of the upgrade callback so the
   * closures it creates hold the connection only, not the whole upgrade request (about 1 KB per
   * idle session, measured with a heap snapshot).
   */
  #accept(
    connection: WebSocketConnection,
    subprotocol: string,
    tls: ReturnType<typeof tlsPeerInfo>,
    credentials: ReturnType<typeof tlsCredentialsOf>,
  ): void {
    this.#connections.add(connection);
    this.#logger.debug({ peer: connection.info.peer, subprotocol }, 'websocket connected');
    // Over TLS, the session's transport details carry the TLS details (client certificate).
    const info: ServerTransportInfo | undefined = tls === undefined ? undefined : { ...connection.info, tls };
    const peer: Peer =
      info === undefined
        ? connection
        : { info, send: (message) => connection.send(message), close: () => connection.close() };
    // Plain connections share one options object: one per session would cost memory for nothing.
    const options =
      credentials.transportCredentials === undefined
        ? this.#plainConnectOptions
        : { ...this.#plainConnectOptions, ...credentials };
    connection.start(this.#router.connect(peer, options));
  }

  /**
   * Refuses new connections and ends those still open (after the router said GOODBYE), giving
   * each up to `graceMs` to finish the WebSocket closing handshake.
   */
  async close(graceMs = 1000): Promise<void> {
    this.#closed = true;
    const connections = [...this.#connections];
    this.#connections.clear();
    await Promise.all(connections.map((connection) => connection.shutdown(graceMs)));
  }
}

/** What ws does to a socket it takes over: no idle timeout from the HTTP server, no Nagle delay. */
function prepareSocket(socket: Duplex): void {
  const tcp = socket as Partial<Socket>;
  tcp.setTimeout?.(0);
  tcp.setNoDelay?.(true);
}
