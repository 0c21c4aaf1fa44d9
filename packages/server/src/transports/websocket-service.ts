/**
 * A WebSocket service: a `websocket` transport, or a `websocket` path of a web transport. It
 * takes HTTP upgrade requests from whichever listener routes them here, negotiates the WAMP
 * subprotocol, and attaches each accepted connection to the router.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Peer } from '@interchange/router';
import { type ServerOptions, WebSocketServer } from 'ws';
import { acceptAuthOf } from '../config/auth-schema.js';
import type { WebSocketPathConfig } from '../config/config-schema.js';
import type { Logger } from '../logger.js';
import type { AcceptOptions, SessionAcceptor } from '../session-acceptor.js';
import { refuseUpgrade } from '../web/http-responses.js';
import { cookieTrackerOf } from './cookie-config.js';
import type { CookieTracker, TrackedCookie } from './cookie-tracker.js';
import { DirectWebSocket, type DirectWebSocketOptions } from './direct-websocket.js';
import type { FrameCachePool } from './frame-cache.js';
import { DEFAULT_HELLO_TIMEOUT_MS, withHelloTimeout } from './hello-timeout.js';
import { type OutboundOptions, outboundOptionsOf, SlowConsumerCounters } from './slow-consumer.js';
import { type ServerTransportInfo, tlsPeerInfo } from './tls-context.js';
import { tlsCredentialsOf } from './tls-credentials.js';
import { transportLogger } from './transport-logger.js';
import { admissionRefusal } from './websocket-admission.js';
import { WebSocketConnection } from './websocket-connection.js';
import { handshakeRefusal, switchingProtocols } from './websocket-handshake.js';
import { acceptedSubprotocols, negotiateSubprotocol, parseOfferedSubprotocols } from './websocket-negotiation.js';
import { HARD_LIMIT_FACTOR, type WebSocketSettings, webSocketSettingsOf } from './websocket-settings.js';
import { answerPlainRequest } from './websocket-status-page.js';
import { type WebSocketWire, wsWire } from './websocket-wire.js';

export { DEFAULT_MAX_MESSAGE_SIZE, deflateOptions } from './websocket-settings.js';

/** What a client offering no subprotocol speaks when the service does not require one (Crossbar's choice). */
const ASSUMED_SUBPROTOCOL = 'wamp.2.json';

/** Options of {@link WebSocketService}. */
export interface WebSocketServiceOptions {
  config: WebSocketPathConfig;
  router: SessionAcceptor;
  frameCaches: FrameCachePool;
  logger: Logger;
  /** The node directory, where a `file` cookie store lives; the working directory by default. */
  cbdir?: string;
}

/** Accepts WAMP WebSocket connections for one configured service. */
export class WebSocketService {
  /** The subprotocols this service accepts, in order of preference. */
  readonly subprotocols: readonly string[];
  /** The largest message accepted, in bytes. */
  readonly maxMessageSize: number;
  /** What the service does, from Crossbar's WebSocket options. */
  readonly settings: WebSocketSettings;
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
  /**
   * ws serves the connections of a service with permessage-deflate, which it implements; without
   * it, Interchange runs the WebSocket itself ({@link DirectWebSocket}), on the hot path.
   */
  readonly #server: WebSocketServer;
  readonly #negotiated = new WeakMap<IncomingMessage, string>();
  readonly #connections = new Set<WebSocketConnection>();
  readonly #forget = (connection: WebSocketConnection) => this.#connections.delete(connection);
  readonly #outbound: OutboundOptions;
  /** The options of every {@link DirectWebSocket} of the service: one object, not one per connection. */
  readonly #directOptions: DirectWebSocketOptions;
  /** Slow-consumer drops and disconnects of this service's connections. */
  readonly slowConsumers = new SlowConsumerCounters();
  #closed = false;

  constructor(options: WebSocketServiceOptions) {
    const { config } = options;
    const settings = webSocketSettingsOf(config);
    this.settings = settings;
    this.subprotocols = acceptedSubprotocols(settings.serializers);
    this.maxMessageSize = settings.maxMessageSize;
    this.#caches = options.frameCaches;
    this.#logger = transportLogger(options.logger, settings.debug);
    this.#router = withHelloTimeout(
      options.router,
      config.options?.hello_timeout ?? DEFAULT_HELLO_TIMEOUT_MS,
      this.#logger,
    );
    // Crossbar's default when a transport configures no auth: anonymous, role `anonymous`.
    this.#plainConnectOptions = { authrole: config.auth?.anonymous?.role ?? 'anonymous', ...acceptAuthOf(config.auth) };
    const serverOptions: ServerOptions & { closeTimeout: number } = {
      noServer: true,
      maxPayload: this.maxMessageSize * HARD_LIMIT_FACTOR,
      perMessageDeflate: settings.deflate,
      clientTracking: false,
      // The JSON decoder checks UTF-8 itself (fatal TextDecoder): checked twice, every text frame
      // would cost two passes, and a bad one gets the WAMP ABORT rather than a bare close 1007.
      skipUTF8Validation: true,
      handleProtocols: (_offered, request) => this.#negotiated.get(request) ?? false,
      closeTimeout: settings.closeHandshakeTimeoutMs,
      // Pings are answered by the wire, bounded for a peer that does not read (pong-budget.ts).
      autoPong: false,
    };
    this.#server = new WebSocketServer(serverOptions);
    const server = settings.serverHeader;
    if (server !== undefined) this.#server.on('headers', (headers) => headers.push(`Server: ${server}`));
    this.#outbound = outboundOptionsOf(config.options, this.slowConsumers);
    this.#directOptions = {
      maxPayload: this.maxMessageSize * HARD_LIMIT_FACTOR,
      maxFrame: settings.maxFrameSize,
      closeTimeoutMs: settings.closeHandshakeTimeoutMs,
      failByDrop: settings.failByDrop,
      echoCloseCodeReason: settings.echoCloseCodeReason,
    };
    // Tracking is on with a `cookie` block (Crossbar's rule) or when `cookie` auth needs it.
    this.#cookies =
      config.cookie === undefined && config.auth?.cookie === undefined
        ? undefined
        : cookieTrackerOf(config.cookie, options.cbdir, this.#logger);
    this.#cookies?.attach(this.#server);
  }

  /** The service's cookie tracking, when it tracks cookies (read by `sse` paths' `cookie_store`). */
  get cookies(): CookieTracker | undefined {
    return this.#cookies;
  }

  /** Open connections. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Whether a plain GET gets the status page (Crossbar's `enable_webstatus`). */
  get webStatus(): boolean {
    return this.settings.webStatus;
  }

  /** The Server header of the service's answers, when `show_server_version` is set. */
  get serverHeader(): string | undefined {
    return this.settings.serverHeader;
  }

  /** Answers a plain HTTP request (no upgrade) to this service: the status page, or 426. */
  handleRequest(req: IncomingMessage, res: ServerResponse): void {
    answerPlainRequest(req, res, this);
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
      const settings = this.settings;
      const refused = admissionRefusal(request, settings);
      if (refused !== undefined) {
        this.#logger.debug({ peer: request.socket.remoteAddress, ...refused.body }, 'websocket handshake refused');
        refuseUpgrade(socket, refused.status, refused.body, [...settings.versions].join(', '));
        return;
      }
      const offered = parseOfferedSubprotocols(request.headers['sec-websocket-protocol']);
      const negotiation = negotiateSubprotocol(offered, this.subprotocols);
      // Without `require_websocket_subprotocol`, a client naming nothing we speak is taken to
      // speak wamp.2.json, and no subprotocol is announced (Crossbar's lenient negotiation).
      const subprotocol = negotiation.ok ? negotiation.subprotocol : undefined;
      if (!negotiation.ok && settings.requireSubprotocol) {
        this.#logger.info(
          { offered, peer: request.socket.remoteAddress },
          'websocket handshake refused: no acceptable subprotocol',
        );
        refuseUpgrade(socket, 400, negotiation.body);
        return;
      }
      const cache = this.#caches.forSubprotocol(subprotocol ?? ASSUMED_SUBPROTOCOL);
      if (cache === undefined) {
        refuseUpgrade(socket, 400, {
          error: `unsupported subprotocol ${subprotocol ?? ASSUMED_SUBPROTOCOL}`,
          supported: [...this.subprotocols],
        });
        return;
      }
      if (subprotocol !== undefined) this.#negotiated.set(request, subprotocol);
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
          ping: settings.ping,
          fragmentSize: settings.fragmentSize,
          logger: this.#logger,
          outbound: this.#outbound,
          onClosed: this.#forget,
        });
        if (cookie !== undefined) void connection.closed.then(cookie.opened(() => connection.close()));
        this.#accept(connection, cache.serializer.subprotocol, tls, credentials);
      };
      if (settings.deflate !== false) {
        // ws negotiates and runs permessage-deflate.
        this.#server.handleUpgrade(request, socket, head, (ws) => {
          if (!settings.tcpNoDelay) (socket as Partial<Socket>).setNoDelay?.(false);
          connect(
            wsWire(ws, {
              socket,
              fragmentSize: settings.fragmentSize,
              maxFrameSize: settings.maxFrameSize,
              failByDrop: settings.failByDrop,
              echoCloseCodeReason: settings.echoCloseCodeReason,
              autoPong: false,
            }),
          );
        });
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
      const extraHeaders: string[] = [];
      const cookieHeader = this.#cookies?.setCookieHeader(request);
      if (cookieHeader !== undefined) extraHeaders.push(cookieHeader);
      if (settings.serverHeader !== undefined) extraHeaders.push(`Server: ${settings.serverHeader}`);
      const key = request.headers['sec-websocket-key'] as string;
      socket.write(switchingProtocols(key, subprotocol, extraHeaders));
      prepareSocket(socket, settings.tcpNoDelay);
      connect(new DirectWebSocket(socket, head, this.#directOptions));
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
    let options =
      credentials.transportCredentials === undefined
        ? this.#plainConnectOptions
        : { ...this.#plainConnectOptions, ...credentials };
    // Crossbar: without an auth block, a tracked connection's anonymous authid is its cookie.
    const cookie = credentials.transportCredentials?.cookie as TrackedCookie | undefined;
    if (cookie !== undefined && this.#plainConnectOptions.transportAuth === undefined)
      options = { ...options, authid: cookie.id };
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
    await this.#cookies?.close();
  }
}

/**
 * What ws does to a socket it takes over: no idle timeout from the HTTP server, and no Nagle
 * delay unless `tcp_nodelay` is false.
 */
function prepareSocket(socket: Duplex, noDelay: boolean): void {
  const tcp = socket as Partial<Socket>;
  tcp.setTimeout?.(0);
  tcp.setNoDelay?.(noDelay);
}
