/**
 * One accepted RawSocket connection (spec: advanced "RawSocket Transport"), as the router's
 * {@link Peer}. It reads the client's 4-octet handshake, answers it (or answers the spec's error
 * and closes), then feeds each decoded message to its router session, answers every PING with a
 * PONG carrying the same payload, and writes outgoing messages encoded once per fan-out (through
 * the shared {@link FrameCache}), corked per tick.
 *
 * A wrong magic octet fails the connection without a reply, as the spec says; reserved bits set
 * in the handshake get error 3 ("use of reserved bits") and an unsupported serializer error 1.
 * After the handshake, a frame breaking the rules (reserved bits, reserved type, over the
 * advertised length) or an undecodable message is a protocol violation of this session only:
 * the router answers ABORT and the connection closes; other connections are untouched.
 */
import type { Socket } from 'node:net';
import {
  encodeRawSocketFrameHeader,
  encodeRawSocketHandshake,
  encodeRawSocketHandshakeError,
  RawSocketDecoder,
  RawSocketError,
  type RawSocketEvent,
  RawSocketFrameType,
  type RawSocketFrameTypeValue,
  type RawSocketHandshake,
  RawSocketHandshakeError,
  rawSocketSerializerName,
  type SerializerName,
  type WampMessage,
} from '@interchange/protocol';
import type { Peer, PeerConnection, TrafficMeter } from '@interchange/router';
import type { Logger } from '../logger.js';
import { encodeFailure } from './encode-failure.js';
import type { FrameCache } from './frame-cache.js';
import { PongBudget } from './pong-budget.js';
import type { OutboundOptions } from './slow-consumer.js';
import { SlowConsumerGate } from './slow-consumer-gate.js';
import type { ServerTransportInfo } from './tls-context.js';

/** Options of {@link RawSocketConnection}. */
export interface RawSocketConnectionOptions {
  socket: Socket;
  /** Returns the frame cache of a serializer the service accepts, or undefined. */
  cacheFor: (serializer: SerializerName) => FrameCache | undefined;
  /** Our LENGTH exponent: we accept messages up to 2^(exponent + 9) octets. */
  lengthExponent: number;
  /** Attaches the connection to the router once the handshake succeeded. */
  attach: (connection: RawSocketConnection) => PeerConnection;
  /** Milliseconds a client has to send its handshake. */
  handshakeTimeoutMs: number;
  info: Omit<ServerTransportInfo, 'type' | 'serializer'>;
  logger: Logger;
  /** Outbound limit and slow-consumer policy; 8 MiB and `disconnect` when absent. */
  outbound?: OutboundOptions | undefined;
}

/** A RawSocket connection serving one router session. */
export class RawSocketConnection implements Peer {
  info: ServerTransportInfo;
  /** Resolves once the socket has closed. */
  readonly closed: Promise<void>;
  readonly #socket: Socket;
  readonly #options: RawSocketConnectionOptions;
  readonly #decoder: RawSocketDecoder;
  readonly #logger: Logger;
  #cache: FrameCache | undefined;
  #session: PeerConnection | undefined;
  /** The client's receive limit from its handshake. */
  #peerMaxLength = 0;
  #state: 'handshake' | 'open' | 'failed' | 'closing' | 'closed' = 'handshake';
  #corked = false;
  #handshakeTimer: NodeJS.Timeout | undefined;
  /** Messages dropped in a row for exceeding the client's limit. */
  #dropStreak = 0;
  /** Octets of the handshake received so far (it has 4). */
  #handshakeOctets = 0;
  readonly #gate: SlowConsumerGate;
  readonly #pongs: PongBudget;
  /** Counts traffic for the realm's session statistics; only in realms with `stats`. */
  #meter: TrafficMeter | undefined;

  constructor(options: RawSocketConnectionOptions) {
    this.#socket = options.socket;
    this.#options = options;
    this.#logger = options.logger;
    this.#decoder = new RawSocketDecoder({ expectHandshake: true, maxLength: 2 ** (options.lengthExponent + 9) });
    this.info = { type: 'rawsocket', serializer: 'unknown', ...options.info };
    this.closed = new Promise((resolve) => this.#socket.once('close', () => resolve()));
    this.#gate = new SlowConsumerGate(options.outbound, options.logger, () => this.info.peer);
    this.#pongs = new PongBudget(this.#socket, (payload) => this.#write(RawSocketFrameType.PONG, payload));
  }

  /** Starts reading the handshake. */
  start(): void {
    const socket = this.#socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (error) => this.#logger.debug({ err: error, peer: this.info.peer }, 'rawsocket error'));
    socket.once('close', () => this.#onClose());
    this.#handshakeTimer = setTimeout(() => {
      this.#logger.info({ peer: this.info.peer }, 'rawsocket handshake timed out');
      socket.destroy();
    }, this.#options.handshakeTimeoutMs);
  }

  send(message: WampMessage): string | undefined {
    if (this.#state !== 'open' || this.#cache === undefined) return;
    let payload: Uint8Array;
    try {
      payload = this.#cache.encodeBytes(message);
      if (this.#meter !== undefined) this.#meter.sent(payload.length);
    } catch (error) {
      this.#logger.error({ err: error, type: message.type, peer: this.info.peer }, 'cannot encode message');
      // The router answers for it (a call whose INVOCATION cannot be encoded fails with ERROR).
      return encodeFailure(this.info.serializer, error);
    }
    // Spec, "Serialization": a message longer than the client's limit must not be sent.
    if (payload.length > this.#peerMaxLength) {
      // An EVENT can be missed; any other message (WELCOME, RESULT, ...) is one the session
      // waits for, so dropping it would leave the client hanging: end the connection instead.
      if (message.type !== 'EVENT') {
        this.#logger.warn(
          { peer: this.info.peer, type: message.type, bytes: payload.length, limit: this.#peerMaxLength },
          'message exceeds the client limit and cannot be dropped; closing the connection',
        );
        this.close();
        return;
      }
      // The client chose its limit: warn once per run of drops, not once per message.
      if (this.#dropStreak === 0) {
        this.#logger.warn(
          { peer: this.info.peer, type: message.type, bytes: payload.length, limit: this.#peerMaxLength },
          'message exceeds the client limit; dropping such messages',
        );
      }
      this.#dropStreak += 1;
      return;
    }
    if (this.#dropStreak > 0) this.#endDropStreak();
    // What the socket holds (corked writes included) is what the node holds for this client.
    const decision = this.#gate.decide(message, payload.length + 4, this.#socket.writableLength);
    if (decision === 'drop') return;
    if (decision === 'disconnect') {
      // It is not reading: an ABORT would wait behind what it has not read. Drop it; the router
      // hears of it through 'close' and cleans up the session.
      this.#state = 'failed';
      this.#socket.destroy();
      return;
    }
    this.#write(RawSocketFrameType.MESSAGE, payload);
  }

  close(): void {
    if (this.#state === 'closing' || this.#state === 'closed') return;
    this.#state = 'closing';
    this.#socket.end();
  }

  /** Ends the connection for a node stop: closes, and drops the socket after `graceMs`. */
  async shutdown(graceMs: number): Promise<void> {
    this.close();
    const timer = setTimeout(() => this.#socket.destroy(), graceMs);
    await this.closed;
    clearTimeout(timer);
  }

  #write(type: RawSocketFrameTypeValue, payload: Uint8Array): void {
    const socket = this.#socket;
    if (!socket.writable) return;
    // Cork until the end of this tick so a burst of messages leaves in one TCP write.
    if (!this.#corked) {
      this.#corked = true;
      socket.cork();
      process.nextTick(() => {
        this.#corked = false;
        socket.uncork();
      });
    }
    socket.write(encodeRawSocketFrameHeader(type, payload.length));
    socket.write(payload);
  }

  #endDropStreak(): void {
    this.#logger.info(
      { peer: this.info.peer, dropped: this.#dropStreak, limit: this.#peerMaxLength },
      'messages over the client limit were dropped',
    );
    this.#dropStreak = 0;
  }

  #onData(chunk: Buffer): void {
    if (this.#state === 'failed' || this.#state === 'closed') return;
    // A throw here would escape the socket's 'data' event as an uncaught exception.
    try {
      this.#process(chunk);
    } catch (error) {
      this.#fail(error, 'rawsocket connection failed on input');
    }
  }

  #process(chunk: Buffer): void {
    // The handshake is decided on its own 4 octets: a bad frame in the same TCP write would
    // otherwise fail the decoder before the handshake is answered, and the client would get
    // no answer at all (issue 12). After it, a bad frame is the session's protocol violation.
    if (this.#state === 'handshake') {
      const rest = 4 - this.#handshakeOctets;
      if (chunk.length > rest) {
        this.#handshakeOctets = 4;
        this.#decode(chunk.subarray(0, rest));
        if (this.#reading()) this.#decode(chunk.subarray(rest));
        return;
      }
      this.#handshakeOctets += chunk.length;
    }
    this.#decode(chunk);
  }

  #decode(chunk: Buffer): void {
    let events: RawSocketEvent[];
    try {
      events = this.#decoder.push(chunk);
    } catch (error) {
      this.#onFramingError(error);
      return;
    }
    for (const event of events) {
      if (!this.#reading()) return;
      switch (event.type) {
        case 'handshake':
          this.#onHandshake(event.handshake);
          break;
        case 'message':
          this.#onMessage(event.payload);
          break;
        case 'ping':
          // Spec, "Framing": a PONG echoing the PING's payload, at once; bounded for a peer that
          // does not read (pong-budget.ts).
          this.#pongs.answer(event.payload);
          break;
        case 'pong':
          break;
      }
    }
  }

  /** Whether input is still processed (not after a failure or the close). */
  #reading(): boolean {
    return this.#state !== 'failed' && this.#state !== 'closed';
  }

  #onHandshake(handshake: RawSocketHandshake): void {
    clearTimeout(this.#handshakeTimer);
    const name = handshake.kind === 'accept' ? rawSocketSerializerName(handshake.serializerId) : undefined;
    const cache = name === undefined ? undefined : this.#options.cacheFor(name);
    if (handshake.kind !== 'accept' || cache === undefined) {
      this.#logger.info({ peer: this.info.peer, handshake }, 'rawsocket handshake refused: serializer unsupported');
      this.#refuse(RawSocketHandshakeError.SERIALIZER_UNSUPPORTED);
      return;
    }
    this.#cache = cache;
    this.#peerMaxLength = handshake.maxLength;
    this.info = { ...this.info, serializer: cache.serializer.name };
    this.#socket.write(encodeRawSocketHandshake(handshake.serializerId, this.#options.lengthExponent));
    this.#state = 'open';
    this.#logger.debug(
      { peer: this.info.peer, serializer: cache.serializer.name, clientMaxLength: handshake.maxLength },
      'rawsocket connected',
    );
    this.#session = this.#options.attach(this);
  }

  #onMessage(payload: Uint8Array): void {
    const serializer = (this.#cache as FrameCache).serializer;
    let messages: WampMessage[];
    try {
      messages = serializer.decode(payload);
    } catch (error) {
      this.#violation(error instanceof Error ? error.message : 'undecodable message');
      return;
    }
    for (const message of messages) {
      if (this.#state !== 'open') return;
      try {
        this.#session?.receive(message);
      } catch (error) {
        this.#logger.error({ err: error, type: message.type, peer: this.info.peer }, 'router failed on a message');
        this.#state = 'failed';
        this.#socket.destroy();
        return;
      }
    }
    // Counted once handled: the message that completes a join is the first one a meter gets.
    if (this.#meter !== undefined) this.#meter.received(payload.length, messages.length);
  }

  meterTraffic(meter: TrafficMeter | undefined): void {
    this.#meter = meter;
  }

  #onFramingError(error: unknown): void {
    if (!(error instanceof RawSocketError)) {
      // Not the peer's fault but ours (a decoder bug): no ABORT to explain, only the connection to end.
      this.#fail(error, 'rawsocket decoder failed');
      return;
    }
    if (this.#state !== 'handshake') {
      this.#violation(error.message);
      return;
    }
    clearTimeout(this.#handshakeTimer);
    this.#logger.info({ peer: this.info.peer, reason: error.reason }, `rawsocket handshake refused: ${error.message}`);
    if (error.reason === 'reserved-bits') this.#refuse(RawSocketHandshakeError.RESERVED_BITS);
    else {
      // Spec: a first octet other than 0x7F is not RawSocket; fail the connection.
      this.#state = 'failed';
      this.#socket.destroy();
    }
  }

  /** An error of ours while reading: logged, and the connection dropped; other connections live on. */
  #fail(error: unknown, message: string): void {
    clearTimeout(this.#handshakeTimer);
    this.#logger.error({ err: error, peer: this.info.peer }, message);
    this.#state = 'failed';
    this.#socket.destroy();
  }

  /** Answers the handshake with an error code and closes. */
  #refuse(code: (typeof RawSocketHandshakeError)[keyof typeof RawSocketHandshakeError]): void {
    this.#state = 'failed';
    this.#socket.end(encodeRawSocketHandshakeError(code));
  }

  /** A broken rule after the handshake: the router aborts this session; nothing more is read. */
  #violation(reason: string): void {
    if (this.#state !== 'open') return;
    // Debug only: the router logs the violation when it aborts the session; once is enough.
    this.#logger.debug({ peer: this.info.peer, reason }, 'protocol violation');
    try {
      this.#session?.protocolViolation(reason);
    } catch (error) {
      this.#logger.error({ err: error, peer: this.info.peer }, 'router failed on a protocol violation');
    }
    // The router answers ABORT and closes us; make sure the connection ends either way.
    this.close();
    this.#state = 'failed';
  }

  #onClose(): void {
    if (this.#state === 'closed') return;
    const hadSession = this.#session !== undefined;
    this.#state = 'closed';
    clearTimeout(this.#handshakeTimer);
    this.#logger.debug({ peer: this.info.peer }, 'rawsocket closed');
    if (this.#dropStreak > 0) this.#endDropStreak();
    if (!hadSession) return;
    try {
      this.#session?.transportClosed();
    } catch (error) {
      this.#logger.error({ err: error, peer: this.info.peer }, 'router failed on transport close');
    }
  }
}
