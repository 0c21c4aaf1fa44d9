import { InvalidArgumentError, TransportError } from '@interchange/protocol';
import { silentLogger } from './logger.js';
import type { RawSocketTlsOptions } from './rawsocket-target.js';
import type { SerializerChoice } from './serializer-offer.js';
import { Session } from './session.js';
import type { SessionOptions } from './session-types.js';
import type { ClientTransport } from './transport.js';
import { type TransportConfig, transportFactoryOf, transportTypeOfUrl } from './transport-list.js';
import type { FetchLike } from './transport-longpoll.js';
import type { WebSocketConstructor } from './transport-websocket.js';

/** Options of {@link connect}: where to connect, and the session's options. */
export interface ConnectOptions extends SessionOptions {
  /**
   * Router URL, unless `transports` or `transport` is given. Its scheme picks the transport:
   * `ws://`/`wss://` WebSocket; `rs://`, `rss://` (TLS), `tcp://`, `unix:///path` RawSocket
   * (Node only); `http://`/`https://` long-poll.
   */
  url?: string;
  /**
   * Transports to try in order, Autobahn style; the first that opens is used, e.g.
   * `[{ type: 'websocket', url: 'wss://h/ws' }, { type: 'longpoll', url: 'https://h/lp' }]`.
   */
  transports?: readonly TransportConfig[];
  /** An already open transport to use instead (e.g. an in-memory pair). */
  transport?: ClientTransport;
  /** Serializers to offer, in order of preference: names or `Serializer`s. Default `['json']`. */
  serializers?: readonly SerializerChoice[];
  /** The subprotocols to offer instead of those of `serializers`, e.g. `['wamp.2.msgpack']`. */
  protocols?: readonly string[];
  /** Aborting it while connecting or joining rejects with `CanceledError`. */
  signal?: AbortSignal;
  /** The WebSocket implementation (default: global, else the `ws` package). */
  WebSocket?: WebSocketConstructor;
  /** The `fetch` of long-poll (default: the global one). */
  fetch?: FetchLike;
  /** TLS options of an `rss://` RawSocket (a private CA, a client certificate). */
  tls?: RawSocketTlsOptions;
}

/**
 * Connects once and joins: opens a transport to `url` (or the first of `transports` that opens,
 * or the given transport), then HELLO, WELCOME. Resolves with the established session; rejects
 * with `TransportError` when the router cannot be reached, `ApplicationError` when it refuses
 * the join, `CanceledError` when `signal` aborts. No reconnection: use {@link Connection} for that.
 *
 * @example
 * const session = await connect({ url: 'ws://127.0.0.1:8080/ws', realm: 'realm1' });
 * const { args } = await session.call('com.example.add', [2, 3]);
 * await session.leave();
 * @example
 * // RawSocket over TLS in Node, msgpack preferred:
 * const session = await connect({ url: 'rss://router.example.com:9000', realm: 'realm1', serializers: ['msgpack', 'json'] });
 * @example
 * // WebSocket, falling back to long-poll where WebSockets are blocked:
 * const session = await connect({
 *   realm: 'realm1',
 *   transports: [{ type: 'websocket', url: 'wss://example.com/ws' }, { type: 'longpoll', url: 'https://example.com/lp' }],
 * });
 */
export async function connect(options: ConnectOptions): Promise<Session> {
  const {
    url,
    transports,
    transport: given,
    serializers,
    protocols,
    signal,
    WebSocket,
    fetch,
    tls,
    ...sessionOptions
  } = options;
  let transport = given;
  if (transport === undefined) {
    const entries = transports ?? (url === undefined ? undefined : [{ type: urlType(url), url }]);
    if (entries === undefined) throw new InvalidArgumentError('connect: give url, transports or transport');
    const choice = transportFactoryOf(
      entries,
      { url, serializers, protocols, tls, WebSocket, fetch },
      sessionOptions.logger ?? silentLogger,
    );
    if (choice.factory === undefined) {
      const reasons = choice.skipped.map((s) => s.reason).join('; ');
      throw new TransportError(`connect: no usable transport${reasons === '' ? '' : `: ${reasons}`}`);
    }
    transport = await choice.factory(signal ?? new AbortController().signal);
  }
  let session: Session;
  try {
    session = new Session(transport, sessionOptions);
  } catch (error) {
    transport.close();
    throw error;
  }
  const onAbort = (): void => {
    session.leave().catch(() => {});
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await session.join();
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  return session;
}

function urlType(url: string): string {
  if (typeof url !== 'string') throw new InvalidArgumentError(`connect: url must be a string, got ${String(url)}`);
  const type = transportTypeOfUrl(url);
  if (type === undefined) {
    throw new InvalidArgumentError(
      `connect: unsupported URL ${url} (use ws(s)://, rs(s)://, tcp://, unix:// or http(s)://)`,
    );
  }
  return type;
}
