/**
 * One WAMP-over-Longpoll transport (spec: advanced "HTTP Longpoll Transport"), as the router's
 * {@link Peer}: messages to the client wait in a queue until a `receive` request takes them
 * (one per request, or all of them in one batch for `.batched` protocols); each `send` request
 * body is decoded and fed to the router session.
 *
 * A client that stops polling is dropped when its queue passes the configured limits or it has
 * made no request for `session_timeout`. After the router closes the transport (GOODBYE or
 * ABORT), the queue stays readable and `close` stays answerable for a while, so the client still
 * gets the last message and its orderly close.
 *
 * A GOODBYE the router starts (node stop, session kill) is answered only by a client that fetches
 * it. A client that holds no `receive` and does not come back for it within
 * {@link GOODBYE_PICKUP_MS} of its last request (a closed browser tab) cannot answer: the session
 * ends then, instead of the router waiting its whole grace period for a reply that cannot come.
 */
import type { ServerResponse } from 'node:http';
import type { Frame, WampMessage } from '@interchange/protocol';
import type { Peer, PeerConnection, TrafficMeter, TransportInfo } from '@interchange/router';
import type { Logger } from '../logger.js';
import { encodeFailure } from './encode-failure.js';
import type { FrameCache, FrameCachePool } from './frame-cache.js';

/** Limits and timeouts of a long-poll transport, in milliseconds and counts; 0 disables one. */
export interface LongPollLimits {
  requestTimeoutMs: number;
  sessionTimeoutMs: number;
  queueLimitBytes: number;
  queueLimitMessages: number;
  /** How long a transport the router closed stays answerable. */
  lingerMs: number;
}

/** Options of {@link LongPollTransport}. */
export interface LongPollTransportOptions {
  id: string;
  cache: FrameCache;
  /** The pool `cache` came from, to answer in the dialect of the first frame ({@link FrameCachePool.answerInKind}). */
  caches?: FrameCachePool | undefined;
  info: TransportInfo;
  limits: LongPollLimits;
  logger: Logger;
  /** Called once the transport is gone for good (the service forgets it). */
  onGone: (id: string) => void;
}

/** The content type of receive answers, by serializer (Autobahn's MIME types). */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  json: 'application/json; charset=utf-8',
  msgpack: 'application/x-msgpack',
  cbor: 'application/cbor',
  ubjson: 'application/ubjson',
};

/**
 * How long after its last request a client holding no `receive` may still fetch a GOODBYE. A
 * client that polls asks again as soon as a `receive` is answered (Autobahn|JS does), so it is
 * without one only for a round trip; one silent this long has stopped polling.
 */
export const GOODBYE_PICKUP_MS = 2000;

function bytesOf(frame: Frame): Uint8Array {
  return typeof frame === 'string' ? Buffer.from(frame, 'utf8') : frame;
}

/** A long-poll transport serving one router session. */
export class LongPollTransport implements Peer {
  readonly id: string;
  readonly info: TransportInfo;
  #cache: FrameCache;
  /** Set until the first `send` request has been read. */
  #caches: FrameCachePool | undefined;
  readonly #limits: LongPollLimits;
  readonly #logger: Logger;
  readonly #onGone: (id: string) => void;
  #session: PeerConnection | undefined;
  #queue: Frame[] = [];
  #queuedBytes = 0;
  #poll: { res: ServerResponse; timer: NodeJS.Timeout | undefined } | undefined;
  #state: 'open' | 'closed-by-router' | 'gone' = 'open';
  #lastActivity = Date.now();
  /** The last request's start or a held `receive`'s end: when the client was last heard of. */
  #lastContact = Date.now();
  #goodbyeTimer: NodeJS.Timeout | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  #lingerTimer: NodeJS.Timeout | undefined;
  /** Counts traffic for the realm's session statistics; only in realms with `stats`. */
  #meter: TrafficMeter | undefined;
  /** Displaced from its ID (see {@link retire}): ends once its held `receive` is answered. */
  #retiring = false;

  constructor(options: LongPollTransportOptions) {
    this.id = options.id;
    this.info = options.info;
    this.#cache = options.cache;
    this.#caches = options.caches;
    this.#limits = options.limits;
    this.#logger = options.logger;
    this.#onGone = options.onGone;
  }

  /** The negotiated protocol, e.g. `wamp.2.json`. */
  get protocol(): string {
    return this.#cache.serializer.subprotocol;
  }

  /** Whether the router session still runs on this transport. */
  get open(): boolean {
    return this.#state === 'open';
  }

  /** Starts serving `session` and the inactivity check. */
  start(session: PeerConnection): void {
    this.#session = session;
    const timeout = this.#limits.sessionTimeoutMs;
    if (timeout > 0) {
      this.#idleTimer = setInterval(
        () => {
          if (this.#poll === undefined && Date.now() - this.#lastActivity >= timeout) this.#drop('session inactive');
        },
        Math.max(Math.floor(timeout / 2), 10),
      );
    }
  }

  send(message: WampMessage): string | undefined {
    if (this.#state !== 'open') return;
    let frame: Frame;
    try {
      frame = this.#cache.serializer.batched ? this.#cache.encode(message) : this.#cache.encodeBytes(message);
      if (this.#meter !== undefined)
        this.#meter.sent(typeof frame === 'string' ? Buffer.byteLength(frame) : frame.length);
    } catch (error) {
      this.#logger.error({ err: error, type: message.type, peer: this.info.peer }, 'cannot encode message');
      // The router answers for it (a call whose INVOCATION cannot be encoded fails with ERROR).
      return encodeFailure(this.info.serializer, error);
    }
    this.#queue.push(frame);
    this.#queuedBytes += typeof frame === 'string' ? frame.length : frame.length;
    const { queueLimitBytes, queueLimitMessages } = this.#limits;
    if (
      (queueLimitMessages > 0 && this.#queue.length > queueLimitMessages) ||
      (queueLimitBytes > 0 && this.#queuedBytes > queueLimitBytes)
    ) {
      this.#drop(
        `send queue limit reached (${this.#queue.length} messages, ${this.#queuedBytes} bytes) - client not polling`,
      );
      return;
    }
    if (message.type === 'GOODBYE' && this.#poll === undefined) this.#awaitGoodbyePickup();
    this.#deliver();
  }

  close(): void {
    if (this.#state !== 'open') return;
    this.#state = 'closed-by-router';
    clearTimeout(this.#goodbyeTimer);
    this.#deliver();
    // Nothing left to read: let a held poll return, so the next one learns the transport is gone.
    if (this.#queue.length === 0) this.#finishPoll(204);
    this.#lingerTimer = setTimeout(() => this.#gone(), this.#limits.lingerMs);
  }

  /** A `send` request: the decoded messages go to the router session. Throws what decoding throws. */
  receiveFrame(body: Uint8Array): void {
    this.#touch();
    if (this.#state !== 'open' || this.#session === undefined) return;
    if (this.#caches !== undefined) {
      this.#cache = this.#caches.answerInKind(this.#cache, body);
      this.#caches = undefined;
    }
    // JSON bodies go in as bytes too: the decoder reads them as strict UTF-8.
    const messages = this.#cache.serializer.decode(body);
    for (const message of messages) {
      if (this.#state !== 'open') return;
      this.#session.receive(message);
    }
    // Counted once handled: the message that completes a join is the first one a meter gets.
    if (this.#meter !== undefined) this.#meter.received(body.length, messages.length);
  }

  meterTraffic(meter: TrafficMeter | undefined): void {
    this.#meter = meter;
  }

  /** A frame from the client could not be decoded: the router aborts the session. */
  violation(reason: string): void {
    if (this.#state !== 'open') return;
    this.#session?.protocolViolation(reason);
  }

  /**
   * A `receive` request: answered at once when messages are waiting, otherwise held until one
   * arrives or the request timeout passes (204). Returns false when the transport is closed and
   * drained, so the request is answered 404 and the client learns the transport is gone.
   */
  poll(res: ServerResponse): boolean {
    this.#touch();
    if (this.#state !== 'open' && this.#queue.length === 0) return false;
    this.#finishPoll(204);
    const timeout = this.#limits.requestTimeoutMs;
    const timer = timeout > 0 ? setTimeout(() => this.#finishPoll(204), timeout) : undefined;
    this.#poll = { res, timer };
    res.once('close', () => {
      this.#lastContact = Date.now();
      if (this.#poll?.res === res) {
        clearTimeout(this.#poll.timer);
        this.#poll = undefined;
        this.#endIfRetiring();
      }
    });
    this.#deliver();
    return true;
  }

  /**
   * Another transport took this one's ID (a fixed `debug_transport_id`, which Crossbar gives to
   * every `open`): no request can reach this one any more. As in Crossbar, a `receive` it holds is
   * still answered (so a curl waiting for an event gets it); then, or at once when it holds none,
   * the transport and its session end, so a displaced transport never lingers unreachable.
   */
  retire(): void {
    if (this.#state === 'gone') return;
    this.#retiring = true;
    if (this.#poll === undefined) this.end('displaced by a new transport with the same debug_transport_id');
  }

  /** The client's `close` request, or the node ending the transport. */
  end(reason = 'transport closed'): void {
    if (this.#state === 'gone') return;
    const wasOpen = this.#state === 'open';
    this.#gone();
    if (wasOpen) this.#logger.debug({ peer: this.info.peer, reason }, 'long-poll transport closed');
  }

  #touch(): void {
    this.#lastActivity = Date.now();
    this.#lastContact = this.#lastActivity;
  }

  /**
   * The router's GOODBYE waits in the queue with no `receive` to take it: the client gets until
   * {@link GOODBYE_PICKUP_MS} after it was last heard of to fetch it, else the session ends.
   */
  #awaitGoodbyePickup(): void {
    const check = () => {
      // Fetched: the queue empties with the GOODBYE, the last message the router sends.
      if (this.#state === 'open' && this.#queue.length > 0) this.#unreachable();
    };
    const wait = this.#lastContact + GOODBYE_PICKUP_MS - Date.now();
    clearTimeout(this.#goodbyeTimer);
    if (wait <= 0) queueMicrotask(check);
    else this.#goodbyeTimer = setTimeout(check, wait);
  }

  /**
   * The client cannot answer the router's GOODBYE: the session ends now. The transport lingers as
   * after {@link close}, so a client that does come back still reads the GOODBYE.
   */
  #unreachable(): void {
    this.#logger.info(
      { peer: this.info.peer, transport: this.id },
      'long-poll client not polling; ending its session without the GOODBYE reply',
    );
    this.#state = 'closed-by-router';
    clearInterval(this.#idleTimer);
    this.#lingerTimer = setTimeout(() => this.#gone(), this.#limits.lingerMs);
    try {
      this.#session?.transportClosed();
    } catch (error) {
      this.#logger.error({ err: error, peer: this.info.peer }, 'router failed on transport close');
    }
  }

  #deliver(): void {
    const poll = this.#poll;
    if (poll === undefined || this.#queue.length === 0) return;
    const serializer = this.#cache.serializer;
    let frames: Frame[];
    if (serializer.batched) {
      frames = this.#queue;
      this.#queue = [];
    } else {
      frames = [this.#queue.shift() as Frame];
    }
    const body = bytesOf(serializer.batched ? serializer.joinFrames(frames) : (frames[0] as Frame));
    this.#queuedBytes = this.#queue.reduce((n, f) => n + f.length, 0);
    clearTimeout(poll.timer);
    this.#poll = undefined;
    poll.res.writeHead(200, {
      'content-type': CONTENT_TYPES[serializer.name] ?? 'application/octet-stream',
      'content-length': body.length,
    });
    poll.res.end(body);
    if (this.#state === 'closed-by-router' && this.#queue.length === 0)
      this.#logger.debug({ transport: this.id }, 'long-poll transport drained');
    this.#endIfRetiring();
  }

  #finishPoll(status: number): void {
    const poll = this.#poll;
    if (poll === undefined) return;
    clearTimeout(poll.timer);
    this.#poll = undefined;
    if (!poll.res.headersSent) {
      poll.res.writeHead(status, { 'content-length': 0 });
      poll.res.end();
    }
    this.#endIfRetiring();
  }

  #endIfRetiring(): void {
    if (this.#retiring && this.#poll === undefined)
      this.end('displaced by a new transport with the same debug_transport_id');
  }

  #drop(reason: string): void {
    this.#logger.info({ peer: this.info.peer, reason }, 'dropping long-poll transport');
    this.#gone();
  }

  /** Forgets the transport: the router session ends (if it had not), a held poll is answered. */
  #gone(): void {
    if (this.#state === 'gone') return;
    const wasOpen = this.#state === 'open';
    this.#state = 'gone';
    clearInterval(this.#idleTimer);
    clearTimeout(this.#lingerTimer);
    clearTimeout(this.#goodbyeTimer);
    this.#finishPoll(204);
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#onGone(this.id);
    if (wasOpen) {
      try {
        this.#session?.transportClosed();
      } catch (error) {
        this.#logger.error({ err: error, peer: this.info.peer }, 'router failed on transport close');
      }
    }
  }
}
