/**
 * The MQTT broker of one `mqtt` transport (or the `mqtt` part of a `universal` one): it takes
 * connections (TCP, TLS, or WebSocket with subprotocol `mqtt`), answers CONNECT by joining the
 * realm (mqtt-join.ts), and keeps the sessions by client ID, so a client that comes back finds
 * its persistent session and one that connects twice takes its session over (MQTT 3.1.1
 * section 3.1.4).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Session } from '@interchange/client';
import type { TransportCredentials } from '@interchange/router';
import type { IConnectPacket } from 'mqtt-packet';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { joinInProcess } from '../components/in-process-session.js';
import type { MqttOptionsConfig } from '../config/mqtt-schema.js';
import { TRUSTED_ROLE } from '../config/router-config.js';
import type { Logger } from '../logger.js';
import type { SessionAcceptor } from '../session-acceptor.js';
import { socketPeer } from '../transports/rawsocket-service.js';
import { tlsCredentialsOf } from '../transports/tls-credentials.js';
import { refuseUpgrade } from '../web/http-responses.js';
import { type ConnectionHost, MqttConnection, type OpenResult } from './mqtt-connection.js';
import { joinForConnect } from './mqtt-join.js';
import { MqttSession } from './mqtt-session.js';
import { PayloadMapper } from './payload-mapping.js';
import { PublishEncoder } from './publish-encoder.js';
import { ConnackReturnCode, ReasonCode } from './reason-codes.js';
import { topicToUri } from './topic-mapping.js';

/** Default bounds (Interchange's additions to Crossbar's options; docs/mqtt.md). */
export const MQTT_DEFAULTS = {
  maxPacketSize: 1024 * 1024,
  maxInflight: 32,
  maxQueued: 1000,
  sessionExpirySeconds: 3600,
} as const;

/** The WebSocket subprotocols of MQTT over WebSocket (MQTT 3.1.1 section 6; `mqttv3.1` for MQTT 3.1 clients). */
export const MQTT_SUBPROTOCOLS = ['mqtt', 'mqttv3.1'] as const;

/** Whether a WebSocket upgrade request offers MQTT. */
export function offersMqtt(request: IncomingMessage): boolean {
  const header = request.headers['sec-websocket-protocol'];
  if (typeof header !== 'string') return false;
  return header.split(',').some((name) => (MQTT_SUBPROTOCOLS as readonly string[]).includes(name.trim()));
}

/** Options of {@link MqttService}. */
export interface MqttServiceOptions {
  options: MqttOptionsConfig;
  router: SessionAcceptor;
  logger: Logger;
}

/** One MQTT transport's broker. */
export class MqttService implements ConnectionHost {
  readonly maxPacketSize: number;
  readonly maxInflight: number;
  readonly logger: Logger;
  readonly #options: MqttOptionsConfig;
  readonly #router: SessionAcceptor;
  readonly #mapper: PayloadMapper;
  readonly #encoder: PublishEncoder;
  readonly #maxQueued: number;
  readonly #maxExpiry: number;
  readonly #sessions = new Map<string, MqttSession>();
  /** The connection of each client ID that is connected. */
  readonly #current = new Map<string, MqttConnection>();
  readonly #connections = new Set<MqttConnection>();
  readonly #codecs = new Map<string, Promise<Session>>();
  #websocket: WebSocketServer | undefined;
  #closed = false;

  constructor(options: MqttServiceOptions) {
    const config = options.options;
    this.#options = config;
    this.#router = options.router;
    this.logger = options.logger;
    this.maxPacketSize = config.max_packet_size ?? MQTT_DEFAULTS.maxPacketSize;
    this.maxInflight = config.max_inflight ?? MQTT_DEFAULTS.maxInflight;
    this.#maxQueued = config.max_queued ?? MQTT_DEFAULTS.maxQueued;
    this.#maxExpiry = config.session_expiry ?? MQTT_DEFAULTS.sessionExpirySeconds;
    this.#mapper = new PayloadMapper(config.payload_mapping, config.realm, (realm) => this.#codecSession(realm));
    this.#encoder = new PublishEncoder(this.#mapper, this.logger);
  }

  /** Sessions kept (connected or not), for tests and status. */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  /** The session of a client ID, if kept. */
  sessionOf(clientId: string): MqttSession | undefined {
    return this.#sessions.get(clientId);
  }

  /** Takes a TCP or TLS socket whose first octets are MQTT. Never throws. */
  handleSocket(socket: Socket): void {
    this.handleStream(socket, socketPeer(socket), tlsCredentialsOf(socket));
  }

  /** Takes a WebSocket upgrade offering the `mqtt` subprotocol. Never throws. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.#closed) {
      refuseUpgrade(socket, 503, { error: 'the node is shutting down' });
      return;
    }
    this.#websocket ??= new WebSocketServer({
      noServer: true,
      maxPayload: this.maxPacketSize,
      handleProtocols: (offered) => MQTT_SUBPROTOCOLS.find((name) => offered.has(name)) ?? false,
    });
    try {
      this.#websocket.handleUpgrade(request, socket, head, (ws) => {
        const stream = createWebSocketStream(ws);
        this.handleStream(stream, `${socketPeer(request.socket)}`, tlsCredentialsOf(request.socket));
      });
    } catch (error) {
      this.logger.info({ err: error }, 'MQTT WebSocket upgrade failed');
      socket.destroy();
    }
  }

  /** Takes a byte stream of MQTT packets. */
  handleStream(stream: Duplex, peer: string, credentials: { transportCredentials?: TransportCredentials }): void {
    if (this.#closed) {
      stream.destroy();
      return;
    }
    const connection = new MqttConnection(stream, peer, this);
    this.#credentials.set(connection, credentials);
    this.#connections.add(connection);
    connection.start();
  }

  readonly #credentials = new WeakMap<MqttConnection, { transportCredentials?: TransportCredentials }>();

  async open(connection: MqttConnection, packet: IConnectPacket): Promise<OpenResult> {
    const v5 = packet.protocolVersion === 5;
    const clean = packet.clean !== false;
    let clientId = packet.clientId ?? '';
    let assignedClientId: string | undefined;
    if (clientId === '') {
      // An empty client ID is given one for a clean session only (MQTT 3.1.1 section 3.1.3.1).
      if (!v5 && !clean)
        return { refused: { v3: ConnackReturnCode.IDENTIFIER_REJECTED, v5: ReasonCode.CLIENT_IDENTIFIER_NOT_VALID } };
      clientId = `interchange-${randomBytes(9).toString('base64url')}`;
      if (v5) assignedClientId = clientId;
    }
    if (packet.will !== undefined && typeof topicToUri(packet.will.topic) !== 'string')
      return { refused: { v3: ConnackReturnCode.NOT_AUTHORIZED, v5: ReasonCode.TOPIC_NAME_INVALID } };
    // Session lifetime: MQTT 5 asks for an expiry (capped by session_expiry); 3.1.1 has
    // clean session 0 for "keep it", kept up to session_expiry.
    const asked = v5 ? (packet.properties?.sessionExpiryInterval ?? 0) : clean ? 0 : this.#maxExpiry;
    const expirySeconds = Math.min(asked, this.#maxExpiry);
    const joined = await joinForConnect({
      router: this.#router,
      options: this.#options,
      clientId,
      username: packet.username,
      password: packet.password,
      credentials: this.#credentials.get(connection) ?? {},
      peer: connection.peer,
      logger: this.logger,
    });
    if (typeof joined === 'string') {
      const codes = {
        'bad-credentials': {
          v3: ConnackReturnCode.BAD_USER_NAME_OR_PASSWORD,
          v5: ReasonCode.BAD_USER_NAME_OR_PASSWORD,
        },
        'not-authorized': { v3: ConnackReturnCode.NOT_AUTHORIZED, v5: ReasonCode.NOT_AUTHORIZED },
        unavailable: { v3: ConnackReturnCode.SERVER_UNAVAILABLE, v5: ReasonCode.SERVER_UNAVAILABLE },
      } as const;
      return { refused: codes[joined] };
    }
    // A second connection with the same client ID takes over (section 3.1.4).
    const previous = this.#current.get(clientId);
    if (previous !== undefined && previous !== connection) {
      previous.close(ReasonCode.SESSION_TAKEN_OVER, 'session taken over');
      // Its session is detached (and ended, if it had no expiry) before this one looks at it.
      await previous.ended;
    }
    this.#current.set(clientId, connection);

    let session = this.#sessions.get(clientId);
    let sessionPresent = false;
    const resumable =
      session !== undefined &&
      !session.ended &&
      !clean &&
      session.wamp.isOpen &&
      session.authid === joined.authid &&
      session.authrole === joined.authrole;
    if (session !== undefined && resumable) {
      // The old WAMP session keeps the subscriptions; the one that authenticated this CONNECT leaves.
      void joined.session.leave().catch(() => {});
      sessionPresent = true;
    } else {
      if (session !== undefined) {
        this.#sessions.delete(clientId);
        await session.end();
      }
      session = new MqttSession({
        clientId,
        wamp: joined.session,
        authid: joined.authid,
        authrole: joined.authrole,
        mapper: this.#mapper,
        tap: joined.tap,
        encoder: this.#encoder,
        limits: { maxInflight: this.maxInflight, maxQueued: this.#maxQueued },
        logger: this.logger,
      });
      this.#sessions.set(clientId, session);
      this.#watchRealmSession(session);
    }
    session.expirySeconds = expirySeconds;
    const will = packet.will;
    session.will =
      will === undefined
        ? undefined
        : {
            topic: will.topic,
            payload: typeof will.payload === 'string' ? Buffer.from(will.payload) : will.payload,
            retain: will.retain === true,
            qos: will.qos ?? 0,
            delayMs: (will.properties?.willDelayInterval ?? 0) * 1000,
          };
    this.logger.debug(
      { clientId, authid: joined.authid, authrole: joined.authrole, sessionPresent },
      'MQTT client connected',
    );
    return {
      session,
      sessionPresent,
      ...(assignedClientId === undefined ? {} : { assignedClientId }),
      ...(v5 && expirySeconds !== asked ? { expirySeconds } : {}),
    };
  }

  /** The realm ended the WAMP session (killed through the meta API, realm gone): the MQTT client goes too. */
  #watchRealmSession(session: MqttSession): void {
    void session.wamp.closed.then((info) => {
      if (session.ended) return;
      const shutdown = info.reason === 'wamp.close.system_shutdown';
      this.#current
        .get(session.clientId)
        ?.close(
          shutdown ? ReasonCode.SERVER_SHUTTING_DOWN : ReasonCode.ADMINISTRATIVE_ACTION,
          shutdown ? 'server shutting down' : `the realm ended the session (${info.reason})`,
        );
      if (this.#sessions.get(session.clientId) === session) this.#sessions.delete(session.clientId);
      void session.end();
    });
  }

  closed(connection: MqttConnection, session: MqttSession | undefined, abnormal: boolean): void {
    this.#connections.delete(connection);
    if (session === undefined) return;
    if (this.#current.get(session.clientId) === connection) this.#current.delete(session.clientId);
    session.detach(connection, {
      abnormal,
      onExpired: () => {
        if (this.#sessions.get(session.clientId) === session) this.#sessions.delete(session.clientId);
        void session.end();
      },
    });
  }

  /** A session in the realm of a dynamic mapping's codec procedures, joined once (as Crossbar's realm service session). */
  #codecSession(realm: string): Promise<Session> {
    let session = this.#codecs.get(realm);
    if (session === undefined) {
      session = joinInProcess({
        router: this.#router,
        realm,
        authrole: TRUSTED_ROLE,
        authid: 'mqtt-codec',
        peer: 'mqtt:codec',
        logger: this.logger,
      });
      // A failed join is tried again with the next message.
      session.catch(() => this.#codecs.delete(realm));
      this.#codecs.set(realm, session);
    }
    return session;
  }

  /** Ends every connection (MQTT 5: reason "server shutting down") and session. */
  async close(graceMs = 1000): Promise<void> {
    this.#closed = true;
    const connections = [...this.#connections];
    for (const connection of connections) connection.close(ReasonCode.SERVER_SHUTTING_DOWN, 'server shutting down');
    await Promise.race([
      Promise.all(connections.map((connection) => connection.ended)),
      new Promise((resolve) => setTimeout(resolve, graceMs).unref()),
    ]);
    const sessions = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.all(sessions.map((session) => session.end()));
    for (const codec of this.#codecs.values()) void codec.then((session) => session.leave()).catch(() => {});
    this.#codecs.clear();
    this.#websocket?.close();
  }
}
