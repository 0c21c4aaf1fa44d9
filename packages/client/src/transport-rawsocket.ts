/**
 * The RawSocket client transport (spec: advanced profile "RawSocket Transport"), Node only: a
 * TCP, TLS or Unix socket, the 4-octet handshake that agrees on the serializer and announces
 * each side's maximum message length, then length-prefixed frames, with every PING answered by
 * a PONG. The framing is the protocol package's sans-IO codec; this file only moves bytes.
 */
import {
  CanceledError,
  encodeRawSocketFrame,
  encodeRawSocketHandshake,
  InvalidArgumentError,
  RAWSOCKET_MAX_LENGTH,
  RawSocketDecoder,
  type RawSocketEvent,
  RawSocketFrameType,
  RawSocketHandshakeError,
  rawSocketErrorText,
  rawSocketLengthExponent,
  rawSocketMaxLength,
  rawSocketSerializerId,
  type Serializer,
  TransportError,
  type WampMessage,
} from '@interchange/protocol';
import { BufferingSink, type ReaderSink, StreamReader } from './rawsocket-reader.js';
import { connectNodeSocket } from './rawsocket-socket.js';
import {
  type RawSocketConnector,
  type RawSocketStream,
  type RawSocketTarget,
  type RawSocketTlsOptions,
  rawSocketTargetOf,
  rawSocketUrlOf,
} from './rawsocket-target.js';
import { offeredSerializers, type SerializerChoice } from './serializer-offer.js';
import type { ClientTransport, TransportCloseInfo, TransportFactory, TransportHandlers } from './transport.js';

/** Options of {@link connectRawSocket}. Give `url`, or `host` and `port`, or `path`. */
export interface RawSocketTransportOptions {
  /** `rs://host:port`, `tcp://host:port`, `rss://host:port` (TLS), `rs://unix:/path` or `unix:///path`. */
  url?: string;
  /** TCP host (Autobahn|JS's option), with `port`. Default `localhost`. */
  host?: string;
  /** TCP port (Autobahn|JS's option). */
  port?: number;
  /** Unix socket path (Autobahn|JS's option). */
  path?: string;
  /**
   * Serializers to try, in order: `'json'`, `'msgpack'`, `'cbor'` or unbatched `Serializer`s
   * (RawSocket has no batched mode). The handshake names one; when the router refuses it as
   * unsupported, the next is tried on a new connection. Default `['json']`.
   */
  serializers?: readonly SerializerChoice[];
  /** The same as subprotocol names (`['wamp.2.msgpack']`), as Autobahn's `protocols` option. */
  protocols?: readonly string[];
  /**
   * The largest message we accept, in octets, announced in the handshake rounded up to a power
   * of two (2^9 to 2^24). Default 16 MiB, the most RawSocket allows.
   */
  maxMessageSize?: number;
  /** TLS options of an `rss://` connection (a private CA, a client certificate). */
  tls?: RawSocketTlsOptions;
  /** Milliseconds for connecting and the handshake together. Default 10000. */
  handshakeTimeout?: number;
  /** Aborting it while connecting closes the socket and rejects with `CanceledError`. */
  signal?: AbortSignal;
  /** Opens the byte stream. Default: `node:net`, or `node:tls` for `rss://`. */
  connectSocket?: RawSocketConnector;
}

/**
 * A RawSocket refused by the router's handshake reply (spec: "Handshake: Router-to-Client
 * Reply"). `handshakeCode` is the spec's error code, one of {@link RawSocketHandshakeError}:
 * 1 serializer unsupported, 2 maximum message length unacceptable, 3 use of reserved bits,
 * 4 maximum connection count reached.
 */
export class RawSocketRefusedError extends TransportError {
  static override readonly name: string = 'RawSocketRefusedError';
  readonly handshakeCode: number;
  constructor(url: string, handshakeCode: number) {
    super(
      `${url}: the router refused the RawSocket handshake: ${rawSocketErrorText(handshakeCode)} (error ${handshakeCode})`,
    );
    this.handshakeCode = handshakeCode;
  }
}

const DEFAULT_HANDSHAKE_TIMEOUT = 10_000;
/** How long a closed connection may wait for the router's FIN before it is dropped. */
const CLOSE_TIMEOUT = 2_000;
const utf8 = new TextEncoder();

/** A WAMP transport over one RawSocket connection whose handshake succeeded. Created by {@link connectRawSocket}. */
export class RawSocketTransport implements ClientTransport {
  readonly type = 'rawsocket';
  /** The serializer agreed in the handshake, e.g. `json`. */
  readonly serializer: string;
  /** The router's address, e.g. `rs://127.0.0.1:8081` or `unix:///run/router.sock`. */
  readonly url: string;
  /** The serializer as a WAMP subprotocol name, e.g. `wamp.2.json`, as Autobahn reports it. */
  readonly protocol: string;
  /** The largest message the router accepts, in octets (from its handshake reply). */
  readonly routerMaxLength: number;
  readonly #reader: StreamReader;
  readonly #stream: RawSocketStream;
  readonly #codec: Serializer;
  #handlers: TransportHandlers | undefined;
  #early: Array<{ message: WampMessage } | { error: Error } | { close: TransportCloseInfo }> = [];
  #state: 'open' | 'closing' | 'closed' = 'open';
  #closeRequest: { code: number; reason: string } | undefined;
  #sawWampClose = false;
  #closeTimer: ReturnType<typeof setTimeout> | undefined;

  /** @internal Takes over a stream whose handshake succeeded, with what arrived after the reply. */
  constructor(reader: StreamReader, kept: BufferingSink, codec: Serializer, url: string, routerMaxLength: number) {
    this.#reader = reader;
    this.#stream = reader.stream;
    this.#codec = codec;
    this.serializer = codec.name;
    this.protocol = codec.subprotocol;
    this.url = url;
    this.routerMaxLength = routerMaxLength;
    const sink: ReaderSink = {
      events: (events) => this.#onEvents(events),
      // The router broke a framing rule: a protocol violation, which the session answers with ABORT.
      failed: (error) => this.#emit({ error }),
      closed: () => this.#onClosed(),
    };
    reader.sink = sink;
    kept.replay(sink);
  }

  /** Autobahn's `transport.info`. */
  get info(): { type: 'rawsocket'; url: string; protocol: string } {
    return { type: this.type, url: this.url, protocol: this.protocol };
  }

  attach(handlers: TransportHandlers): void {
    this.#handlers = handlers;
    const early = this.#early;
    this.#early = [];
    for (const item of early) {
      if ('message' in item) handlers.onMessage(item.message);
      else if ('error' in item) handlers.onProtocolError(item.error);
      else handlers.onClose(item.close);
    }
  }

  /**
   * Encodes and sends one message; dropped once the transport is closing.
   * @throws TransportError when the message is longer than the router accepts (spec: a peer
   *   must not send more than the other side announced).
   */
  send(message: WampMessage): void {
    const frame = this.#codec.encode(message);
    if (this.#state !== 'open') return;
    const payload = typeof frame === 'string' ? utf8.encode(frame) : frame;
    if (payload.length > this.routerMaxLength) {
      throw new TransportError(
        `${message.type} of ${payload.length} octets exceeds the router's RawSocket limit of ${this.routerMaxLength} octets`,
      );
    }
    this.#stream.write(encodeRawSocketFrame(RawSocketFrameType.MESSAGE, payload));
  }

  /** Ends the connection (FIN after what is buffered); the stream is dropped if the router does not close its side. */
  close(code = 1000, reason = ''): void {
    if (this.#state !== 'open') return;
    this.#state = 'closing';
    this.#closeRequest = { code, reason };
    this.#stream.end();
    this.#closeTimer = unrefTimer(setTimeout(() => this.#stream.destroy(), CLOSE_TIMEOUT));
  }

  #onEvents(events: RawSocketEvent[]): void {
    for (const event of events) {
      if (this.#state === 'closed') return;
      switch (event.type) {
        case 'message':
          this.#onFrame(event.payload);
          break;
        case 'ping':
          // Spec, "Framing": answer each PING at once with a PONG echoing its payload.
          if (this.#state === 'open') this.#stream.write(encodeRawSocketFrame(RawSocketFrameType.PONG, event.payload));
          break;
        case 'pong':
        case 'handshake':
          break;
      }
    }
  }

  #onClosed(): void {
    if (this.#state === 'closed') return;
    clearTimeout(this.#closeTimer);
    this.#state = 'closed';
    const error = this.#reader.streamError;
    const request = this.#closeRequest;
    // No closing handshake on RawSocket: the close is clean when we ended it, or when the router
    // ended the WAMP session (GOODBYE or ABORT) before closing, and no socket error came first.
    const wasClean = error === undefined && (request !== undefined || this.#sawWampClose);
    const reason =
      request?.reason ?? error?.message ?? (this.#sawWampClose ? 'closed by the router' : 'connection lost');
    this.#emit({ close: { code: wasClean ? (request?.code ?? 1000) : 1006, reason, wasClean } });
  }

  #onFrame(payload: Uint8Array): void {
    let messages: WampMessage[];
    try {
      messages = this.#codec.decode(payload);
    } catch (error) {
      this.#emit({ error: error instanceof Error ? error : new TransportError(String(error)) });
      return;
    }
    for (const message of messages) {
      if (message.type === 'GOODBYE' || message.type === 'ABORT') this.#sawWampClose = true;
      this.#emit({ message });
    }
  }

  #emit(item: { message: WampMessage } | { error: Error } | { close: TransportCloseInfo }): void {
    const handlers = this.#handlers;
    if (handlers === undefined) this.#early.push(item);
    else if ('message' in item) handlers.onMessage(item.message);
    else if ('error' in item) handlers.onProtocolError(item.error);
    else handlers.onClose(item.close);
  }
}

/**
 * Connects to a router over RawSocket and runs the handshake. Resolves with the open
 * transport; rejects with `TransportError` when the router cannot be reached or is not a
 * RawSocket router, {@link RawSocketRefusedError} when its handshake reply is an error (after
 * every offered serializer was tried, for "serializer unsupported"), and `CanceledError` when
 * `signal` aborts first. In a browser it rejects with a `TransportError`: there are no sockets.
 *
 * @throws InvalidArgumentError at once for a bad URL, serializer or size.
 * @example
 * const transport = await connectRawSocket({ url: 'rs://127.0.0.1:8081', serializers: ['msgpack', 'json'] });
 * const session = new Session(transport, { realm: 'realm1' });
 */
export async function connectRawSocket(options: RawSocketTransportOptions): Promise<RawSocketTransport> {
  const plan = planOf(options);
  const { signal } = options;
  const connector = options.connectSocket ?? connectNodeSocket;
  for (const [index, codec] of plan.codecs.entries()) {
    if (signal?.aborted === true)
      throw new CanceledError(`connecting to ${plan.url} canceled`, { cause: signal.reason });
    try {
      return await attempt(plan, codec, connector, signal);
    } catch (error) {
      const refusedSerializer =
        error instanceof RawSocketRefusedError &&
        error.handshakeCode === RawSocketHandshakeError.SERIALIZER_UNSUPPORTED;
      if (!refusedSerializer || index === plan.codecs.length - 1) throw error;
    }
  }
  throw new TransportError(`${plan.url}: no serializer to offer`);
}

/** A `TransportFactory` for `Connection`: a new RawSocket connection on each attempt. */
export function rawSocketTransportFactory(options: Omit<RawSocketTransportOptions, 'signal'>): TransportFactory {
  // Validate once, at configuration time, rather than on the first connect attempt.
  planOf(options);
  return (signal) => connectRawSocket({ ...options, signal });
}

interface Plan {
  target: RawSocketTarget;
  url: string;
  codecs: Serializer[];
  lengthExponent: number;
  tls: RawSocketTlsOptions | undefined;
  timeoutMs: number;
}

function planOf(options: Omit<RawSocketTransportOptions, 'signal'>): Plan {
  const target = rawSocketTargetOf(options);
  if (options.tls !== undefined && !target.secure) {
    throw new InvalidArgumentError(`tls options need a TLS RawSocket URL (rss://), got ${rawSocketUrlOf(target)}`);
  }
  const codecs = [...offeredSerializers(options).values()];
  for (const codec of codecs) {
    if (codec.batched)
      throw new InvalidArgumentError(`RawSocket has no batched mode: ${codec.subprotocol} cannot be used`);
  }
  const max = options.maxMessageSize ?? RAWSOCKET_MAX_LENGTH;
  if (!Number.isInteger(max) || max < 1)
    throw new InvalidArgumentError(`maxMessageSize must be a positive integer, got ${String(max)}`);
  const timeoutMs = options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT;
  if (!(timeoutMs > 0)) throw new InvalidArgumentError(`handshakeTimeout must be positive, got ${String(timeoutMs)}`);
  return {
    target,
    url: rawSocketUrlOf(target),
    codecs,
    lengthExponent: rawSocketLengthExponent(max),
    tls: options.tls,
    timeoutMs,
  };
}

/** One connection: open the stream, send our handshake, wait for the router's reply. */
async function attempt(
  plan: Plan,
  codec: Serializer,
  connector: RawSocketConnector,
  signal: AbortSignal | undefined,
): Promise<RawSocketTransport> {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  const timer = unrefTimer(
    setTimeout(
      () =>
        controller.abort(new TransportError(`${plan.url}: no RawSocket handshake reply within ${plan.timeoutMs} ms`)),
      plan.timeoutMs,
    ),
  );
  try {
    const stream = await connector(plan.target, {
      ...(plan.tls === undefined ? {} : { tls: plan.tls }),
      signal: controller.signal,
    }).catch((error: unknown) => {
      throw timedOut(controller.signal) ?? error;
    });
    return await handshake(stream, plan, codec, controller.signal);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

function handshake(
  stream: RawSocketStream,
  plan: Plan,
  codec: Serializer,
  signal: AbortSignal,
): Promise<RawSocketTransport> {
  const serializerId = rawSocketSerializerId(codec.name);
  const decoder = new RawSocketDecoder({ expectHandshake: true, maxLength: rawSocketMaxLength(plan.lengthExponent) });
  return new Promise<RawSocketTransport>((resolve, reject) => {
    let done = false;
    const fail = (error: Error): void => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      stream.destroy();
      reject(error);
    };
    const onAbort = (): void =>
      fail(timedOut(signal) ?? new CanceledError(`connecting to ${plan.url} canceled`, { cause: signal.reason }));
    const kept = new BufferingSink();
    const reader = new StreamReader(stream, decoder, {
      events: (events) => {
        const [first, ...rest] = events;
        if (done || first?.type !== 'handshake') return;
        const reply = first.handshake;
        if (reply.kind === 'error') return fail(new RawSocketRefusedError(plan.url, reply.code));
        if (reply.serializerId !== serializerId) {
          return fail(
            new TransportError(
              `${plan.url}: the router answered serializer ${reply.serializerId} to a request for ${serializerId} (${codec.name})`,
            ),
          );
        }
        done = true;
        signal.removeEventListener('abort', onAbort);
        // Whatever follows the reply belongs to the transport; keep it until it takes over.
        reader.sink = kept;
        if (rest.length > 0) kept.events(rest);
        resolve(new RawSocketTransport(reader, kept, codec, plan.url, reply.maxLength));
      },
      failed: (error) =>
        fail(new TransportError(`${plan.url}: not a RawSocket router: ${error.message}`, { cause: error })),
      closed: () => {
        const cause = reader.streamError;
        fail(
          new TransportError(
            `${plan.url}: the connection closed during the RawSocket handshake${cause === undefined ? '' : `: ${cause.message}`}`,
            { cause },
          ),
        );
      },
    });
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    stream.write(encodeRawSocketHandshake(serializerId, plan.lengthExponent));
  });
}

/** The handshake timeout's error when that is why `signal` aborted. */
function timedOut(signal: AbortSignal): TransportError | undefined {
  return signal.aborted && signal.reason instanceof TransportError ? signal.reason : undefined;
}

function unrefTimer<T>(timer: T): T {
  (timer as unknown as { unref?: () => void }).unref?.();
  return timer;
}
