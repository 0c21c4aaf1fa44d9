/**
 * One accepted WebSocket connection, as the router's {@link Peer}: frames in are decoded with the
 * negotiated serializer and fed to the router session; messages out are encoded (once per
 * fan-out, through the shared {@link FrameCache}) and written, corked per tick.
 *
 * Bad input from the peer (undecodable frame, wrong frame kind, oversize message) becomes a
 * protocol violation of this session only (DESIGN.md "How a message travels", step 2): nothing
 * throws out of the socket handlers, and other connections are untouched.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Frame, WampMessage } from '@interchange/protocol';
import type { Peer, PeerConnection, TransportInfo } from '@interchange/router';
import type { RawData, WebSocket } from 'ws';
import type { Logger } from '../logger.js';
import type { FrameCache } from './frame-cache.js';

/** Keep-alive pings (Crossbar's `auto_ping_interval` and `auto_ping_timeout`). */
export interface PingOptions {
  intervalMs: number;
  timeoutMs: number;
}

/** Options of {@link WebSocketConnection}. */
export interface WebSocketConnectionOptions {
  ws: WebSocket;
  /** The raw socket of the upgrade, for corking writes. */
  socket: Duplex;
  request: IncomingMessage;
  cache: FrameCache;
  /** Largest accepted message in bytes. */
  maxMessageSize: number;
  ping?: PingOptions | undefined;
  logger: Logger;
}

/** Close code for a normal close after GOODBYE or ABORT (RFC 6455 section 7.4.1). */
const CLOSE_NORMAL = 1000;
/** Close code for a failure on our side (RFC 6455 section 7.4.1). */
const CLOSE_INTERNAL_ERROR = 1011;

/** `tcp4:127.0.0.1:53122`, as Crossbar writes peers. */
export function peerAddress(request: IncomingMessage): string {
  const address = request.socket.remoteAddress ?? 'unknown';
  const port = request.socket.remotePort ?? 0;
  if (address.startsWith('::ffff:')) return `tcp4:${address.slice(7)}:${port}`;
  return `${request.socket.remoteFamily === 'IPv6' ? 'tcp6' : 'tcp4'}:${address}:${port}`;
}

function byteLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((sum, chunk) => sum + chunk.length, 0);
  return data.byteLength;
}

function toBuffer(data: RawData): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.isBuffer(data) ? data : Buffer.from(data);
}

/** A WebSocket connection serving one router session. */
export class WebSocketConnection implements Peer {
  readonly info: TransportInfo;
  /** Resolves once the WebSocket has closed (either side, or dropped). */
  readonly closed: Promise<void>;
  #resolveClosed!: () => void;
  readonly #ws: WebSocket;
  readonly #socket: Duplex;
  readonly #cache: FrameCache;
  readonly #maxMessageSize: number;
  readonly #logger: Logger;
  readonly #ping: PingOptions | undefined;
  #session: PeerConnection | undefined;
  #state: 'open' | 'closing' | 'closed' = 'open';
  #violated = false;
  #corked = false;
  #batch: Frame[] = [];
  #pingTimer: NodeJS.Timeout | undefined;
  #pongTimer: NodeJS.Timeout | undefined;

  constructor(options: WebSocketConnectionOptions) {
    this.#ws = options.ws;
    this.#socket = options.socket;
    this.#cache = options.cache;
    this.#maxMessageSize = options.maxMessageSize;
    this.#ping = options.ping;
    this.info = {
      type: 'websocket',
      serializer: options.cache.serializer.name,
      peer: peerAddress(options.request),
      httpHeaders: { ...options.request.headers },
    };
    this.#logger = options.logger;
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
  }

  /** The negotiated subprotocol. */
  get subprotocol(): string {
    return this.#cache.serializer.subprotocol;
  }

  /** Starts serving `session`: from now on frames are read and fed to it. */
  start(session: PeerConnection): void {
    this.#session = session;
    this.#ws.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
    this.#ws.on('close', (code, reason) => this.#onClose(code, reason.toString()));
    this.#ws.on('error', (error) => this.#logger.debug({ err: error, peer: this.info.peer }, 'websocket error'));
    this.#ws.on('pong', () => this.#onPong());
    if (this.#ping !== undefined && this.#ping.intervalMs > 0) {
      this.#pingTimer = setInterval(() => this.#sendPing(), this.#ping.intervalMs);
    }
  }

  send(message: WampMessage): void {
    if (this.#state !== 'open') return;
    const serializer = this.#cache.serializer;
    try {
      if (serializer.batched) {
        if (this.#batch.length === 0) process.nextTick(() => this.#flushBatch());
        this.#batch.push(this.#cache.encode(message));
        return;
      }
      this.#write(this.#cache.encodeBytes(message));
    } catch (error) {
      // The router validates what it sends; a failure here is a payload the serializer cannot
      // represent. Drop that message rather than the connection.
      this.#logger.error({ err: error, type: message.type, peer: this.info.peer }, 'cannot encode message');
    }
  }

  close(): void {
    if (this.#state !== 'open') return;
    this.#flushBatch();
    this.#state = 'closing';
    this.#ws.close(CLOSE_NORMAL);
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
    this.#ws.terminate();
  }

  #write(frame: Frame): void {
    // Cork until the end of this tick so a burst of messages leaves in one TCP write.
    if (!this.#corked) {
      this.#corked = true;
      this.#socket.cork();
      process.nextTick(() => {
        this.#corked = false;
        this.#socket.uncork();
      });
    }
    this.#ws.send(frame, { binary: this.#cache.serializer.binary });
  }

  #flushBatch(): void {
    if (this.#batch.length === 0 || this.#state !== 'open') return;
    const frames = this.#batch;
    this.#batch = [];
    try {
      this.#write(this.#cache.serializer.joinFrames(frames));
    } catch (error) {
      this.#logger.error({ err: error, peer: this.info.peer }, 'cannot join batched frames');
    }
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    if (this.#stopped() || this.#session === undefined) return;
    const serializer = this.#cache.serializer;
    const size = byteLength(data);
    if (size > this.#maxMessageSize) {
      this.#violation(`message too large: ${size} bytes, the limit is ${this.#maxMessageSize} bytes`);
      return;
    }
    // Spec, basic profile "WebSocket Transport": JSON travels in text frames, binary
    // serializers in binary frames.
    if (isBinary !== serializer.binary) {
      this.#violation(`${serializer.subprotocol} expects ${serializer.binary ? 'binary' : 'text'} frames, got a ${isBinary ? 'binary' : 'text'} frame`);
      return;
    }
    let messages: WampMessage[];
    try {
      const buffer = toBuffer(data);
      messages = serializer.decode(isBinary ? buffer : buffer.toString('utf8'));
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
        this.#state = 'closing';
        this.#ws.close(CLOSE_INTERNAL_ERROR, 'internal error');
        return;
      }
    }
  }

  /** Whether frames are no longer fed to the session (after a violation, or once closed). */
  #stopped(): boolean {
    return this.#violated || this.#state === 'closed';
  }

  #violation(reason: string): void {
    this.#violated = true;
    this.#logger.info({ peer: this.info.peer, reason }, 'protocol violation');
    try {
      this.#session?.protocolViolation(reason);
    } catch (error) {
      this.#logger.error({ err: error, peer: this.info.peer }, 'router failed on a protocol violation');
    }
    // The router answers ABORT and closes us; make sure the connection ends either way.
    this.close();
  }

  #sendPing(): void {
    if (this.#state !== 'open' || this.#pongTimer !== undefined || this.#ping === undefined) return;
    this.#ws.ping();
    this.#pongTimer = setTimeout(() => {
      this.#logger.info({ peer: this.info.peer }, 'no pong in time; dropping connection');
      this.#ws.terminate();
    }, this.#ping.timeoutMs);
  }

  #onPong(): void {
    clearTimeout(this.#pongTimer);
    this.#pongTimer = undefined;
  }

  #onClose(code: number, reason: string): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#batch = [];
    clearInterval(this.#pingTimer);
    clearTimeout(this.#pongTimer);
    this.#logger.debug({ peer: this.info.peer, code, reason }, 'websocket closed');
    this.#resolveClosed();
    try {
      this.#session?.transportClosed();
    } catch (error) {
      this.#logger.error({ err: error, peer: this.info.peer }, 'router failed on transport close');
    }
  }
}
