import { InvalidArgumentError } from '@interchange/protocol';
import { Session } from './session.js';
import type { SessionOptions } from './session-types.js';
import type { ClientTransport } from './transport.js';
import { connectWebSocket, type WebSocketTransportOptions } from './transport-websocket.js';

/** Options of {@link connect}: where to connect, and the session's options. */
export interface ConnectOptions extends SessionOptions, Partial<Omit<WebSocketTransportOptions, 'url'>> {
  /** Router URL (`ws://` or `wss://`), unless `transport` is given. */
  url?: string;
  /** An already open transport to use instead of a WebSocket to `url` (e.g. an in-memory pair). */
  transport?: ClientTransport;
}

/**
 * Connects once and joins: a WebSocket to `url` (or the given transport), HELLO, WELCOME.
 * Resolves with the established session; rejects with `TransportError` when the router cannot
 * be reached, `ApplicationError` when it refuses the join, `CanceledError` when `signal` aborts.
 * No reconnection: use {@link Connection} for that.
 *
 * @example
 * const session = await connect({ url: 'ws://127.0.0.1:8080/ws', realm: 'realm1' });
 * const { args } = await session.call('com.example.add', [2, 3]);
 * await session.leave();
 */
export async function connect(options: ConnectOptions): Promise<Session> {
  const { url, transport: given, serializers, protocols, signal, WebSocket, ...sessionOptions } = options;
  let transport = given;
  if (transport === undefined) {
    if (url === undefined) throw new InvalidArgumentError('connect: give url or transport');
    transport = await connectWebSocket({
      url,
      ...(serializers === undefined ? {} : { serializers }),
      ...(protocols === undefined ? {} : { protocols }),
      ...(signal === undefined ? {} : { signal }),
      ...(WebSocket === undefined ? {} : { WebSocket }),
    });
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
