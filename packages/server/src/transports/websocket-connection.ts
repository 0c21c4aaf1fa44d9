/**
 * One accepted WebSocket connection, as the router's {@link Peer}: frames in are decoded with the
 * negotiated serializer and fed to the router session; messages out are encoded and framed once
 * per fan-out (the shared {@link FrameCache}), buffered for the tick, and written with one write
 * per socket per tick ({@link TickFlusher}), within the connection's outbound limit
 * ({@link OutboundOptions}: a receiver that falls behind is handled by the slow-consumer policy).
 *
 * Bad input from the peer (undecodable frame, wrong frame kind, oversize message) becomes a
 * protocol violation of this session only (docs/architecture.md, "How a message travels", step 2): nothing
 * throws out of the socket handlers, and other connections are untouched.
 */
import { randomFillSync } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIPv4 } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Frame, WampMessage } from '@interchange/protocol';
import type { Peer, PeerConnection, TrafficMeter, TransportInfo } from '@interchange/router';
import type { RawData } from 'ws';
import type { Logger } from '../logger.js';
import { forwardedClient } from '../web/trusted-proxies.js';
import { encodeFailure } from './encode-failure.js';
import type { FrameCache, FrameCachePool } from './frame-cache.js';
import { headersForAuthenticators } from './handshake-headers.js';
import { OutboundQueue, writeFrames } from './outbound-queue.js';
import {
  DEFAULT_OUTBOUND_LIMIT,
  DEFAULT_SLOW_CONSUMER_POLICY,
  limitFor,
  type OutboundOptions,
  type SlowConsumerCounters,
} from './slow-consumer.js';
import { type Flushable, sharedTickFlusher, type TickFlusher } from './tick-flusher.js';
import { fragmentFrame } from './websocket-fragments.js';
import { CloseCode, websocketFrame } from './websocket-frame.js';
import { DEFAULT_AUTO_PING_SIZE } from './websocket-settings.js';
import { type WebSocketWire, type WireListener, WireState } from './websocket-wire.js';

/**
 * Keep-alive pings (Crossbar's `auto_ping_interval`, `auto_ping_timeout`, `auto_ping_size` and
 * `auto_ping_restart_on_any_traffic`).
 */
export interface PingOptions {
  intervalMs: number;
  /** 0 or absent: a missing pong never drops the connection. */
  timeoutMs?: number | undefined;
  /** Payload bytes, 12..125 (default 12). */
  size?: number | undefined;
  /** Whether a message from the peer counts as the pong of a pending ping (default true). */
  restartOnAnyTraffic?: boolean | undefined;
}

/** Options of {@link WebSocketConnection}. */
export interface WebSocketConnectionOptions {
  /** The WebSocket: Interchange's own, or ws's when permessage-deflate is on. */
  wire: WebSocketWire;
  /** The raw socket of the upgrade: frames are written to it directly. */
  socket: Duplex;
  request: IncomingMessage;
  cache: FrameCache;
  /**
   * The pool `cache` came from: the first frame may show a dialect of the subprotocol to answer
   * in (Autobahn|Python's separator in `wamp.2.json.batched`, {@link FrameCachePool.answerInKind}).
   */
  caches?: FrameCachePool | undefined;
  /** Largest accepted message in bytes. */
  maxMessageSize: number;
  ping?: PingOptions | undefined;
  /**
   * Outgoing messages with a larger payload go out in fragments of this size (Crossbar's
   * `auto_fragment_size`); never when absent. Direct frames only: ws fragments its own.
   */
  fragmentSize?: number | undefined;
  /** Outbound limit and slow-consumer policy; 8 MiB and `disconnect` when absent. */
  outbound?: OutboundOptions | undefined;
  /** Schedules the per-tick flush; the process-wide one when absent. */
  flusher?: TickFlusher | undefined;
  /** Told once the WebSocket has closed: one function for all of a service's connections. */
  onClosed?: ((connection: WebSocketConnection) => void) | undefined;
  logger: Logger;
}

/**
 * `tcp4:127.0.0.1:53122`, as Crossbar writes peers. Joined, not concatenated: a concatenation
 * keeps its pieces (a V8 rope, about 0.1 KB more here), and this string lives as long as the
 * connection.
 */
export function peerAddress(request: IncomingMessage): string {
  // Behind a trusted proxy, the client it forwards for (web/trusted-proxies.ts).
  const forwarded = forwardedClient(request);
  if (forwarded !== undefined)
    return [isIPv4(forwarded.address) ? 'tcp4' : 'tcp6', forwarded.address, forwarded.port].join(':');
  const address = request.socket.remoteAddress ?? 'unknown';
  const port = request.socket.remotePort ?? 0;
  if (address.startsWith('::ffff:')) return ['tcp4', address.slice(7), port].join(':');
  return [request.socket.remoteFamily === 'IPv6' ? 'tcp6' : 'tcp4', address, port].join(':');
}

function byteLength(data: RawData): number {
  // What both wires hand over (the frame reader's payload, ws's nodebuffer) is a Buffer: its
  // `length` is the size, and costs a fraction of the `byteLength` getter's read on Node 20
  // (docs/profiling.md).
  if (data instanceof Uint8Array) return data.length;
  if (Array.isArray(data)) return data.reduce((sum, chunk) => sum + chunk.length, 0);
  return data.byteLength;
}

function toBuffer(data: RawData): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.isBuffer(data) ? data : Buffer.from(data);
}

/** The payload bytes of an unmasked server frame (RFC 6455 section 5.2): the frame less its 2, 4 or 10 byte header. */
function payloadSize(frame: Uint8Array): number {
  const length7 = (frame[1] as number) & 0x7f;
  return frame.byteLength - (length7 === 127 ? 10 : length7 === 126 ? 4 : 2);
}

function sizeOf(frame: Frame): number {
  return typeof frame === 'string' ? Buffer.byteLength(frame, 'utf8') : frame.byteLength;
}

/** A WebSocket connection serving one router session. */
export class WebSocketConnection implements Peer, Flushable, WireListener {
  readonly info: TransportInfo;
  // Made on first use: an idle session should not pay for a promise nobody awaits.
  #closed: Promise<void> | undefined;
  #resolveClosed: (() => void) | undefined;
  readonly #wire: WebSocketWire;
  readonly #socket: Duplex;
  #cache: FrameCache;
  /** Set until the first frame from the peer has been read (see the `caches` option). */
  #caches: FrameCachePool | undefined;
  readonly #maxMessageSize: number;
  readonly #logger: Logger;
  readonly #onClosed: ((connection: WebSocketConnection) => void) | undefined;
  readonly #ping: PingOptions | undefined;
  readonly #flusher: TickFlusher;
  readonly #limit: number;
  readonly #dropEvents: boolean;
  readonly #counters: SlowConsumerCounters | undefined;
  /**
   * Whether frames are built here and written to the socket directly. Not with permessage-deflate
   * (RFC 7692): ws compresses asynchronously, so frames go through ws to keep their order.
   */
  readonly #direct: boolean;
  /** This tick's outgoing items: WebSocket frames (direct), or encoded messages (batched, deflate). */
  readonly #queue = new OutboundQueue();
  #flushScheduled = false;
  /**
   * What the socket held, not yet taken by the kernel, when this tick's first item was queued.
   * Read once per tick: it does not shrink until the event loop runs write callbacks, and
   * reading it per message cost 6 % of a fan-out to 1,000 subscribers.
   */
  #socketBacklog = 0;
  #session: PeerConnection | undefined;
  #state: 'open' | 'closing' | 'closed' = 'open';
  #violated = false;
  #droppedEvents = 0;
  #droppedBytes = 0;
  /** EVENTs dropped since the last one delivered; logged when delivery resumes. */
  #dropStreak = 0;
  #pingTimer: NodeJS.Timeout | undefined;
  #pongTimer: NodeJS.Timeout | undefined;
  /** The payload of the ping awaiting its pong. */
  #pingPending: Buffer | undefined;
  #pingSeq = 0;
  /** Direct frames with a larger payload are fragmented; `Infinity` when they never are. */
  readonly #fragmentSize: number;
  /** Counts traffic for the realm's session statistics; only in realms with `stats`. */
  #meter: TrafficMeter | undefined;

  constructor(options: WebSocketConnectionOptions) {
    this.#wire = options.wire;
    this.#socket = options.socket;
    this.#cache = options.cache;
    this.#caches = options.caches;
    this.#maxMessageSize = options.maxMessageSize;
    this.#ping = options.ping;
    this.#fragmentSize = options.fragmentSize ?? Number.POSITIVE_INFINITY;
    this.#flusher = options.flusher ?? sharedTickFlusher;
    this.#limit = options.outbound?.limit ?? DEFAULT_OUTBOUND_LIMIT;
    this.#dropEvents = (options.outbound?.policy ?? DEFAULT_SLOW_CONSUMER_POLICY) === 'drop';
    this.#counters = options.outbound?.counters;
    this.#direct = options.wire.direct;
    this.info = {
      type: 'websocket',
      serializer: options.cache.serializer.name,
      peer: peerAddress(options.request),
      httpHeaders: headersForAuthenticators(options.request.headers),
    };
    this.#logger = options.logger;
    this.#onClosed = options.onClosed;
  }

  /** Resolves once the WebSocket has closed (either side, or dropped). */
  get closed(): Promise<void> {
    if (this.#closed === undefined) {
      if (this.#state === 'closed') this.#closed = Promise.resolve();
      else this.#closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    }
    return this.#closed;
  }

  /** The negotiated subprotocol. */
  get subprotocol(): string {
    return this.#cache.serializer.subprotocol;
  }

  /** Bytes held for this connection: buffered this tick, plus not yet taken by the kernel. */
  get outboundBytes(): number {
    return this.#queue.bytes + this.#wire.bufferedAmount;
  }

  /** EVENTs dropped under the `drop` slow-consumer policy. */
  get droppedEvents(): number {
    return this.#droppedEvents;
  }

  /** Bytes of the EVENTs dropped. */
  get droppedBytes(): number {
    return this.#droppedBytes;
  }

  /** Starts serving `session`: from now on frames are read and fed to it. */
  start(session: PeerConnection): void {
    this.#session = session;
    const pinging = this.#ping !== undefined && this.#ping.intervalMs > 0;
    // Pongs only matter with pings of our own (the wire answers the peer's pings itself), and an
    // idle connection should not hold a listener it never needs.
    this.#wire.listen(this, pinging);
    if (pinging) this.#schedulePing();
  }

  send(message: WampMessage): string | undefined {
    if (this.#state !== 'open' || this.#wire.readyState !== WireState.OPEN) return;
    let item: Frame;
    let size: number;
    try {
      if (this.#direct && !this.#cache.serializer.batched) {
        const frame = this.#cache.websocketFrame(message);
        // The frame is shared by every receiver; a receiver that fragments gets its own copy.
        // `length`, not `byteLength` (the same for bytes): on Node 20 a typed array's
        // `byteLength` getter is not inlined and cost about 20 ns per read, two reads per
        // receiver, a third of a delivery's time in the transport (docs/profiling.md).
        item = frame.length > this.#fragmentSize ? fragmentFrame(frame, this.#fragmentSize) : frame;
        size = item.length;
        if (this.#meter !== undefined) this.#meter.sent(payloadSize(frame));
      } else {
        item = this.#cache.encode(message);
        size = sizeOf(item);
        if (this.#meter !== undefined) this.#meter.sent(size);
      }
    } catch (error) {
      // The router validates what it sends; a failure here is a payload the serializer cannot
      // represent. Drop that message rather than the connection.
      this.#logger.error({ err: error, type: message.type, peer: this.info.peer }, 'cannot encode message');
      // The router answers for it (a call whose INVOCATION cannot be encoded fails with ERROR).
      return encodeFailure(this.info.serializer, error);
    }
    // One frame always fits an empty buffer: the limit bounds what piles up, not message size.
    if (!this.#flushScheduled) this.#socketBacklog = this.#wire.bufferedAmount;
    const pending = this.#queue.bytes + this.#socketBacklog;
    if (pending > 0 && pending + size > limitFor(message, this.#limit)) {
      this.#overLimit(message, size, pending);
      return;
    }
    if (this.#dropStreak > 0) this.#endDropStreak();
    this.#queue.push(item, size);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      this.#flusher.schedule(this);
    }
  }

  /** Writes this tick's messages: one write (or one corked batch) for the socket. Never throws. */
  flush(): void {
    this.#flushScheduled = false;
    const queue = this.#queue;
    if (queue.length === 0) return;
    try {
      if (this.#state === 'closed' || this.#wire.readyState !== WireState.OPEN) return;
      const { serializer } = this.#cache;
      if (serializer.batched) {
        const joined = serializer.joinFrames(queue.items);
        if (this.#direct) {
          const frame = websocketFrame(joined);
          this.#socket.write(frame.length > this.#fragmentSize ? fragmentFrame(frame, this.#fragmentSize) : frame);
        } else this.#wire.send(joined, serializer.binary);
      } else if (this.#direct) {
        writeFrames(this.#socket, queue.items as readonly Uint8Array[], queue.bytes);
      } else {
        this.#socket.cork();
        for (const item of queue.items) this.#wire.send(item, serializer.binary);
        this.#socket.uncork();
      }
    } catch (error) {
      this.#logger.error({ err: error, peer: this.info.peer }, 'cannot write to the connection');
    } finally {
      queue.clear();
    }
  }

  close(): void {
    if (this.#state !== 'open') return;
    // What is buffered goes before the close frame.
    this.flush();
    this.#state = 'closing';
    this.#wire.close(CloseCode.NORMAL);
  }

  /**
   * Ends the connection for a node stop: starts the closing handshake if nobody has, waits up to
   * `graceMs` for it, then drops the socket.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.close();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([this.closed, timedOut]);
    clearTimeout(timer);
    this.#wire.terminate();
  }

  /** A message does not fit the outbound limit: drop it (an EVENT under `drop`) or the connection. */
  #overLimit(message: WampMessage, size: number, pending: number): void {
    if (this.#dropEvents && message.type === 'EVENT') {
      if (this.#dropStreak === 0) {
        this.#logger.warn(
          { peer: this.info.peer, limit: this.#limit, pending },
          'slow consumer: dropping events until it catches up',
        );
      }
      this.#dropStreak += 1;
      this.#droppedEvents += 1;
      this.#droppedBytes += size;
      if (this.#counters !== undefined) {
        this.#counters.droppedEvents += 1;
        this.#counters.droppedBytes += size;
      }
      return;
    }
    this.#logger.warn(
      { peer: this.info.peer, limit: this.#limit, pending, type: message.type },
      'slow consumer: disconnecting',
    );
    if (this.#counters !== undefined) this.#counters.disconnects += 1;
    this.#state = 'closing';
    this.#queue.clear();
    // It is not reading: a closing handshake would wait behind what it has not read. Drop it;
    // the router hears of it through 'close' and cleans up the session.
    this.#wire.terminate();
  }

  #endDropStreak(): void {
    this.#logger.info(
      { peer: this.info.peer, dropped: this.#dropStreak },
      'slow consumer caught up; events were dropped meanwhile',
    );
    this.#dropStreak = 0;
  }

  /** A message from the client (for the wire). */
  onWireMessage(data: RawData, isBinary: boolean): void {
    if (this.#stopped() || this.#session === undefined) return;
    // Autobahn's `autoPingRestartOnAnyTraffic`: a peer that sends is alive, pong or not.
    if (this.#pongTimer !== undefined && this.#ping?.restartOnAnyTraffic !== false) this.#pingAnswered();
    const serializer = this.#cache.serializer;
    const size = byteLength(data);
    if (size > this.#maxMessageSize) {
      this.#violation(`message too large: ${size} bytes, the limit is ${this.#maxMessageSize} bytes`);
      return;
    }
    // Spec, basic profile "WebSocket Transport": JSON travels in text frames, binary
    // serializers in binary frames.
    if (isBinary !== serializer.binary) {
      this.#violation(
        `${serializer.subprotocol} expects ${serializer.binary ? 'binary' : 'text'} frames, got a ${isBinary ? 'binary' : 'text'} frame`,
      );
      return;
    }
    let messages: WampMessage[];
    try {
      const frame = toBuffer(data);
      if (this.#caches !== undefined) {
        this.#cache = this.#caches.answerInKind(this.#cache, frame);
        this.#caches = undefined;
      }
      // Text frames too go in as bytes: the JSON decoder reads them as strict UTF-8, the only
      // check they get (ws's is off).
      messages = serializer.decode(frame);
    } catch (error) {
      this.#violation(error instanceof Error ? error.message : 'undecodable frame');
      return;
    }
    for (const message of messages) {
      if (this.#stopped()) return;
      try {
        this.#session.receive(message);
      } catch (error) {
        this.#logger.error({ err: error, type: message.type, peer: this.info.peer }, 'router failed on a message');
        this.flush();
        this.#state = 'closing';
        this.#wire.close(CloseCode.INTERNAL_ERROR, 'internal error');
        return;
      }
    }
    // Counted once handled: the frame that completes a join is the first one a meter gets.
    if (this.#meter !== undefined) this.#meter.received(size, messages.length);
  }

  meterTraffic(meter: TrafficMeter | undefined): void {
    this.#meter = meter;
  }

  /** Whether frames are no longer fed to the session (after a violation, or once closed). */
  #stopped(): boolean {
    return this.#violated || this.#state === 'closed';
  }

  #violation(reason: string): void {
    this.#violated = true;
    this.#logger.debug({ peer: this.info.peer, reason }, 'protocol violation');
    try {
      this.#session?.protocolViolation(reason);
    } catch (error) {
      this.#logger.error({ err: error, peer: this.info.peer }, 'router failed on a protocol violation');
    }
    // The router answers ABORT and closes us; make sure the connection ends either way.
    this.close();
  }

  /** The next ping, `intervalMs` from now (after the last pong, as Autobahn schedules them). */
  #schedulePing(): void {
    const ping = this.#ping as PingOptions;
    this.#pingTimer = setTimeout(() => this.#sendPing(), ping.intervalMs);
  }

  /**
   * Sends a ping whose payload the pong must echo, as Autobahn builds it: the time sent (ms),
   * a sequence number, and random bytes up to `size`.
   */
  #sendPing(): void {
    this.#pingTimer = undefined;
    const ping = this.#ping;
    if (this.#state !== 'open' || ping === undefined) return;
    const payload = Buffer.allocUnsafe(ping.size ?? DEFAULT_AUTO_PING_SIZE);
    payload.writeDoubleBE(Date.now(), 0);
    this.#pingSeq = (this.#pingSeq + 1) >>> 0;
    payload.writeUInt32BE(this.#pingSeq, 8);
    if (payload.length > 12) randomFillSync(payload, 12);
    this.#pingPending = payload;
    this.#wire.ping(payload);
    const timeoutMs = ping.timeoutMs ?? 0;
    if (timeoutMs > 0) {
      this.#pongTimer = setTimeout(() => {
        this.#logger.info({ peer: this.info.peer }, 'no pong in time; dropping connection');
        this.#wire.terminate();
      }, timeoutMs);
    } else {
      // Without a timeout, pings only keep the connection alive: the next goes out regardless.
      this.#schedulePing();
    }
  }

  /** The pending ping was answered: stop its timer and plan the next. */
  #pingAnswered(): void {
    clearTimeout(this.#pongTimer);
    this.#pongTimer = undefined;
    this.#pingPending = undefined;
    if (this.#state === 'open' && this.#pingTimer === undefined) this.#schedulePing();
  }

  /** A pong (for the wire): it answers the pending ping when it echoes its payload. */
  onWirePong(data: Buffer): void {
    if (this.#pingPending?.equals(data)) this.#pingAnswered();
  }

  /** An error on the wire: the peer broke the protocol, or the socket failed (for the wire). */
  onWireError(error: Error): void {
    this.#logger.debug({ err: error, peer: this.info.peer }, 'websocket error');
  }

  /** The WebSocket has closed (for the wire). */
  onWireClose(code: number, reason: string): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#queue.clear();
    clearTimeout(this.#pingTimer);
    clearTimeout(this.#pongTimer);
    this.#logger.debug({ peer: this.info.peer, code, reason }, 'websocket closed');
    this.#onClosed?.(this);
    this.#resolveClosed?.();
    try {
      this.#session?.transportClosed();
    } catch (error) {
      this.#logger.error({ err: error, peer: this.info.peer }, 'router failed on transport close');
    }
  }
}
