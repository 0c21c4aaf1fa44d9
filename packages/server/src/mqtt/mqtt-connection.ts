/**
 * One MQTT network connection (TCP, TLS or WebSocket): reads packets with mqtt-packet's parser,
 * answers them, and carries its session's messages to the client. The first packet must be
 * CONNECT (MQTT 3.1.1 section 3.1); packets are handled one after the other, so PUBACKs go out
 * in the order the PUBLISHes came (section 4.6) and a SUBSCRIBE is in place before the PUBLISH
 * that follows it. Whatever the peer sends, the connection ends with the spec's reason code
 * (MQTT 5) or a close (3.1.1), logged once, and nothing else is disturbed.
 */
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import mqttPacket, { type IConnectPacket, type IPublishPacket, type Packet } from 'mqtt-packet';
import type { Logger } from '../logger.js';
import type { MqttSession, SessionLink } from './mqtt-session.js';
import { PacketSizeGuard } from './packet-size-guard.js';
import { ConnackReturnCode, ReasonCode } from './reason-codes.js';

/** How long a client has to send CONNECT after the connection opens. */
export const CONNECT_TIMEOUT_MS = 10_000;
/** Octets waiting in the write buffer past which QoS 0 messages to this client are dropped. */
export const CONGESTION_BYTES = 1024 * 1024;
/** Packets received while CONNECT is being handled, kept for after it. */
const MAX_EARLY_PACKETS = 64;

/** What the broker answers a CONNECT with. */
export type OpenResult =
  | { session: MqttSession; sessionPresent: boolean; assignedClientId?: string; expirySeconds?: number }
  | { refused: { v3: number; v5: number } };

/** What a connection needs from its service. */
export interface ConnectionHost {
  readonly maxPacketSize: number;
  /** Receive Maximum announced to MQTT 5 clients; also the inbound backlog bound. */
  readonly maxInflight: number;
  readonly logger: Logger;
  /** Authenticates a CONNECT and finds or creates its session. */
  open(connection: MqttConnection, packet: IConnectPacket): Promise<OpenResult>;
  /** The connection ended (after a DISCONNECT, or abnormally). */
  closed(connection: MqttConnection, session: MqttSession | undefined, abnormal: boolean): void;
}

type State = 'new' | 'opening' | 'open' | 'closed';

/** One client connection. */
export class MqttConnection implements SessionLink {
  readonly peer: string;
  protocolVersion = 4;
  readonly #stream: Duplex;
  readonly #host: ConnectionHost;
  readonly #logger: Logger;
  readonly #guard: PacketSizeGuard;
  readonly #parser = mqttPacket.parser({ protocolVersion: 5 });
  #state: State = 'new';
  #session: MqttSession | undefined;
  #early: Packet[] = [];
  #chain: Promise<void> = Promise.resolve();
  #backlog = 0;
  #paused = false;
  #clientMaxPacket = Number.POSITIVE_INFINITY;
  #keepAliveMs = 0;
  #timer: NodeJS.Timeout | undefined;
  #disconnected = false;
  #corked = false;
  /** A TCP or TLS socket (else a WebSocket stream, which frames each write). */
  readonly #socket: boolean;
  #abnormal = true;
  /** Resolves when the connection has ended. */
  readonly ended: Promise<void>;
  #resolveEnded!: () => void;

  constructor(stream: Duplex, peer: string, host: ConnectionHost) {
    this.#stream = stream;
    this.#socket = stream instanceof Socket;
    this.peer = peer;
    this.#host = host;
    this.#logger = host.logger;
    this.#guard = new PacketSizeGuard(host.maxPacketSize);
    this.ended = new Promise((resolve) => {
      this.#resolveEnded = resolve;
    });
  }

  /** The session, once CONNECT was accepted. */
  get session(): MqttSession | undefined {
    return this.#session;
  }

  get congested(): boolean {
    return this.#stream.writableLength > CONGESTION_BYTES;
  }

  /** Starts reading. Never throws. */
  start(): void {
    this.#parser.on('packet', (packet: Packet) => this.#onPacket(packet));
    this.#parser.on('error', (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      // A protocol level the broker does not speak is answered with CONNACK 1 (MQTT 3.1.1 section 3.1.2.2).
      if (this.#state === 'new' && message === 'Invalid protocol version')
        this.#writeConnack(false, ConnackReturnCode.UNACCEPTABLE_PROTOCOL_VERSION);
      this.#fail(ReasonCode.MALFORMED_PACKET, `malformed packet: ${message}`);
    });
    this.#stream.on('data', (chunk: Buffer) => {
      if (this.#state === 'closed') return;
      // Whether the codec holds no partial packet: then PUBACKs at the chunk's start can be read here.
      const atBoundary = this.#guard.atBoundary;
      const verdict = this.#guard.check(chunk);
      if (verdict === 'too-large') return this.#fail(ReasonCode.PACKET_TOO_LARGE, 'packet larger than max_packet_size');
      if (verdict === 'malformed') return this.#fail(ReasonCode.MALFORMED_PACKET, 'malformed remaining length');
      try {
        const start = atBoundary && this.#state === 'open' ? this.#takePubacks(chunk) : 0;
        if (start < chunk.length) this.#parser.parse(start === 0 ? chunk : chunk.subarray(start));
      } catch (error) {
        this.#fail(ReasonCode.MALFORMED_PACKET, `malformed packet: ${String(error)}`);
      }
    });
    this.#stream.on('error', (error) => this.#logger.debug({ err: error, peer: this.peer }, 'MQTT connection error'));
    this.#stream.on('close', () => this.#ended());
    this.#arm(CONNECT_TIMEOUT_MS);
  }

  /**
   * Acknowledges the PUBACKs a chunk starts with, without the codec: a QoS 1 subscriber answers
   * every message with one, and mqtt-packet's parser cost more per PUBACK than the rest of a
   * delivery. Only the plain form is read here (type 0x40, remaining length 2: MQTT 3.1.1
   * section 3.4; MQTT 5.0 section 3.4.2.1, reason Success omitted); anything else, from the first
   * other octet on, goes to the codec. Returns where the codec takes over.
   */
  #takePubacks(chunk: Buffer): number {
    let at = 0;
    while (at + 4 <= chunk.length && chunk[at] === 0x40 && chunk[at + 1] === 0x02) {
      const messageId = ((chunk[at + 2] as number) << 8) | (chunk[at + 3] as number);
      at += 4;
      this.#session?.acknowledge(messageId);
    }
    // Any packet counts as activity (section 3.1.2.10), as in #onPacket.
    if (at > 0 && this.#keepAliveMs > 0) this.#arm(this.#keepAliveMs * 1.5);
    return at;
  }

  /** Sends a packet; false when it was not sent (connection gone, or larger than the client accepts). */
  send(packet: Packet): boolean {
    if (this.#state === 'closed') return false;
    let bytes: Buffer;
    try {
      bytes = mqttPacket.generate(packet, { protocolVersion: this.protocolVersion });
    } catch (error) {
      this.#logger.warn({ err: error, peer: this.peer, cmd: packet.cmd }, 'MQTT packet could not be encoded; not sent');
      return false;
    }
    return this.sendBytes(bytes);
  }

  /**
   * Sends a packet already encoded: `head`, then `payload` when given (a PUBLISH whose payload
   * is shared by every subscriber, publish-encoder.ts). False when it was not sent.
   */
  sendBytes(head: Buffer, payload?: Buffer): boolean {
    if (this.#state === 'closed') return false;
    if (head.length + (payload?.length ?? 0) > this.#clientMaxPacket) return false;
    // Corked until the end of this tick, so the messages of a burst leave in one write (as a
    // RawSocket connection's do): one write per packet was the broker's largest cost in fan-out.
    if (!this.#corked) {
      this.#corked = true;
      this.#stream.cork();
      process.nextTick(() => {
        this.#corked = false;
        this.#stream.uncork();
      });
    }
    if (payload === undefined || payload.length === 0) this.#stream.write(head);
    else if (this.#socket) {
      // Two writes of one corked writev: the payload buffer is shared by every subscriber's queue.
      this.#stream.write(head);
      this.#stream.write(payload);
    } else {
      // A WebSocket stream makes a frame of each write: one packet, one frame, as clients that
      // read a packet per frame expect (MQTT 3.1.1 section 6 allows any split, not all clients do).
      this.#stream.write(Buffer.concat([head, payload]));
    }
    return true;
  }

  /**
   * Ends the connection from the server side, with an MQTT 5 DISCONNECT carrying `reasonCode`
   * when the connection is open (MQTT 3.1.1 has none: the connection just closes).
   */
  close(reasonCode: number, reason?: string): void {
    if (this.#state === 'closed') return;
    if (this.#state === 'open' && this.protocolVersion === 5)
      this.send({
        cmd: 'disconnect',
        reasonCode,
        ...(reason === undefined ? {} : { properties: { reasonString: reason.slice(0, 200) } }),
      });
    this.#state = 'closed';
    this.#stream.end();
    // A peer that does not close its side within a moment is cut off.
    setTimeout(() => this.#stream.destroy(), 2000).unref();
    this.#ended();
  }

  /** A packet the peer had no right to send: logged once (the connection ends), answered per spec. */
  #fail(reasonCode: number, why: string): void {
    if (this.#state === 'closed') return;
    this.#logger.info(
      { peer: this.peer, clientId: this.#session?.clientId, reasonCode, why },
      'MQTT client disconnected',
    );
    if (this.#state === 'new' || this.#state === 'opening') {
      this.#state = 'closed';
      this.#stream.destroy();
      this.#ended();
      return;
    }
    this.close(reasonCode, why);
  }

  #ended(): void {
    if (this.#disconnected) return;
    this.#disconnected = true;
    this.#state = 'closed';
    clearTimeout(this.#timer);
    this.#parser.removeAllListeners('packet');
    // Packets that arrived before the end are handled first: a PUBLISH then DISCONNECT (and a
    // closed socket) from a short-lived client such as mosquitto_pub still reaches the realm.
    void this.#chain.then(() => {
      this.#host.closed(this, this.#session, this.#abnormal);
      this.#resolveEnded();
    });
  }

  /** (Re)starts the timer that ends a silent connection. */
  #arm(ms: number): void {
    clearTimeout(this.#timer);
    if (ms <= 0) return;
    this.#timer = setTimeout(() => {
      if (this.#state === 'new' || this.#state === 'opening')
        this.#fail(ReasonCode.MAX_CONNECT_TIME, 'no CONNECT in time');
      else this.#fail(ReasonCode.KEEP_ALIVE_TIMEOUT, 'keep-alive timeout');
    }, ms);
    this.#timer.unref();
  }

  #onPacket(packet: Packet): void {
    if (this.#state === 'closed') return;
    // Any packet counts as activity; the server allows one and a half keep-alive periods (section 3.1.2.10).
    if (this.#keepAliveMs > 0) this.#arm(this.#keepAliveMs * 1.5);
    if (this.#state === 'new') {
      if (packet.cmd !== 'connect') {
        this.#fail(ReasonCode.PROTOCOL_ERROR, `${packet.cmd} before CONNECT`);
        return;
      }
      this.#state = 'opening';
      void this.#onConnect(packet);
      return;
    }
    if (packet.cmd === 'connect') {
      this.#fail(ReasonCode.PROTOCOL_ERROR, 'a second CONNECT');
      return;
    }
    if (this.#state === 'opening') {
      if (this.#early.length >= MAX_EARLY_PACKETS)
        this.#fail(ReasonCode.RECEIVE_MAXIMUM_EXCEEDED, 'too many packets before CONNACK');
      else this.#early.push(packet);
      return;
    }
    this.#dispatch(packet);
  }

  async #onConnect(packet: IConnectPacket): Promise<void> {
    this.protocolVersion = packet.protocolVersion ?? 4;
    const v5 = this.protocolVersion === 5;
    if (v5 && packet.properties?.authenticationMethod !== undefined) {
      this.#refuse({ v3: ConnackReturnCode.NOT_AUTHORIZED, v5: ReasonCode.BAD_AUTHENTICATION_METHOD });
      return;
    }
    const maxPacket = packet.properties?.maximumPacketSize;
    if (maxPacket !== undefined) this.#clientMaxPacket = maxPacket;
    let result: OpenResult;
    try {
      result = await this.#host.open(this, packet);
    } catch (error) {
      this.#logger.error({ err: error, peer: this.peer }, 'MQTT CONNECT failed');
      result = { refused: { v3: ConnackReturnCode.SERVER_UNAVAILABLE, v5: ReasonCode.UNSPECIFIED_ERROR } };
    }
    if (this.#state === 'closed') {
      // The connection ended while CONNECT was handled: no CONNACK went out, so no will either.
      if ('session' in result) {
        result.session.will = undefined;
        this.#host.closed(this, result.session, true);
      }
      return;
    }
    if ('refused' in result) {
      this.#refuse(result.refused);
      return;
    }
    this.#session = result.session;
    this.#keepAliveMs = (packet.keepalive ?? 0) * 1000;
    this.#arm(this.#keepAliveMs * 1.5);
    this.#writeConnack(result.sessionPresent, 0, {
      ...(result.assignedClientId === undefined ? {} : { assignedClientIdentifier: result.assignedClientId }),
      ...(result.expirySeconds === undefined ? {} : { sessionExpiryInterval: result.expirySeconds }),
    });
    this.#state = 'open';
    result.session.attach(this);
    const early = this.#early;
    this.#early = [];
    for (const queued of early) this.#dispatch(queued);
  }

  #refuse(codes: { v3: number; v5: number }): void {
    this.#logger.info(
      { peer: this.peer, code: this.protocolVersion === 5 ? codes.v5 : codes.v3 },
      'MQTT CONNECT refused',
    );
    this.#writeConnack(false, this.protocolVersion === 5 ? codes.v5 : codes.v3);
    this.#state = 'closed';
    this.#stream.end();
    setTimeout(() => this.#stream.destroy(), 2000).unref();
    this.#ended();
  }

  #writeConnack(sessionPresent: boolean, code: number, properties: Record<string, unknown> = {}): void {
    const v5 = this.protocolVersion === 5;
    const bytes = mqttPacket.generate(
      v5
        ? {
            cmd: 'connack',
            sessionPresent,
            reasonCode: code,
            properties:
              code === 0
                ? {
                    receiveMaximum: this.#host.maxInflight,
                    maximumPacketSize: this.#host.maxPacketSize,
                    topicAliasMaximum: 0,
                    subscriptionIdentifiersAvailable: false,
                    sharedSubscriptionAvailable: false,
                    wildcardSubscriptionAvailable: true,
                    retainAvailable: true,
                    ...properties,
                  }
                : {},
          }
        : { cmd: 'connack', sessionPresent, returnCode: code },
      { protocolVersion: this.protocolVersion },
    );
    this.#stream.write(bytes);
  }

  /** Queues a packet's handling behind the ones before it; reading pauses while the backlog is full. */
  #dispatch(packet: Packet): void {
    if (packet.cmd === 'pingreq') {
      this.send({ cmd: 'pingresp' });
      return;
    }
    if (packet.cmd === 'puback') {
      if (packet.messageId !== undefined) this.#session?.acknowledge(packet.messageId);
      return;
    }
    if (packet.cmd === 'disconnect') {
      // After the packets before it (section 4.6: handled in order).
      this.#chain = this.#chain.then(() => this.#onDisconnect(packet));
      return;
    }
    this.#backlog++;
    if (this.#backlog > this.#host.maxInflight && !this.#paused) {
      this.#paused = true;
      this.#stream.pause();
    }
    this.#chain = this.#chain.then(async () => {
      try {
        // Also after the connection ended: what the client sent before is still handled.
        if (this.#session !== undefined) await this.#handle(packet);
      } catch (error) {
        this.#logger.error({ err: error, peer: this.peer, cmd: packet.cmd }, 'MQTT packet handling failed');
        this.close(ReasonCode.IMPLEMENTATION_SPECIFIC_ERROR);
      }
      this.#backlog--;
      if (this.#paused && this.#backlog <= this.#host.maxInflight / 2) {
        this.#paused = false;
        this.#stream.resume();
      }
    });
  }

  async #handle(packet: Packet): Promise<void> {
    const session = this.#session as MqttSession;
    const v5 = this.protocolVersion === 5;
    switch (packet.cmd) {
      case 'publish':
        return this.#onPublish(session, packet);
      case 'pubrel': {
        const reasonCode = session.release(packet.messageId as number);
        this.send({ cmd: 'pubcomp', messageId: packet.messageId as number, ...(v5 ? { reasonCode } : {}) });
        return;
      }
      case 'subscribe': {
        const granted = await session.subscribe(packet, this.protocolVersion);
        this.send({ cmd: 'suback', messageId: packet.messageId as number, granted });
        return;
      }
      case 'unsubscribe': {
        const codes = await session.unsubscribe(packet);
        this.send({ cmd: 'unsuback', messageId: packet.messageId as number, granted: v5 ? codes : [] });
        return;
      }
      case 'pubrec':
      case 'pubcomp':
        // Only answers to QoS 2 messages from the server, which sends none (granted QoS is at most 1).
        return this.#fail(ReasonCode.PROTOCOL_ERROR, `unexpected ${packet.cmd}`);
      default:
        return this.#fail(ReasonCode.PROTOCOL_ERROR, `a client does not send ${packet.cmd}`);
    }
  }

  async #onPublish(session: MqttSession, packet: IPublishPacket): Promise<void> {
    const v5 = this.protocolVersion === 5;
    if (packet.properties?.topicAlias !== undefined)
      return this.#fail(ReasonCode.TOPIC_ALIAS_INVALID, 'topic aliases are not accepted (Topic Alias Maximum 0)');
    const outcome = await session.publish(packet);
    if ('disconnect' in outcome) return this.#fail(outcome.disconnect, outcome.reason);
    if (packet.qos === 0) return;
    const messageId = packet.messageId as number;
    // MQTT 3.1.1 has no negative acknowledgement: a refused message is acknowledged all the
    // same (section 3.3.5), and the refusal logged.
    const reasonCode = v5 ? outcome.ack : undefined;
    const ack = reasonCode === undefined ? {} : { reasonCode };
    if (packet.qos === 1) this.send({ cmd: 'puback', messageId, ...ack });
    else this.send({ cmd: 'pubrec', messageId, ...ack });
  }

  #onDisconnect(packet: Packet & { cmd: 'disconnect' }): void {
    // MQTT 5 reason 0x04 asks for the will all the same (section 3.14.2.1).
    this.#abnormal = packet.reasonCode === ReasonCode.DISCONNECT_WITH_WILL;
    const expiry = packet.properties?.sessionExpiryInterval;
    if (expiry !== undefined && this.#session !== undefined) {
      if (this.#session.expirySeconds === 0 && expiry > 0) {
        this.#fail(ReasonCode.PROTOCOL_ERROR, 'session expiry set at DISCONNECT after 0 at CONNECT');
        return;
      }
      this.#session.expirySeconds = Math.min(expiry, this.#session.expirySeconds);
    }
    this.#state = 'closed';
    this.#stream.end();
    this.#ended();
  }
}
