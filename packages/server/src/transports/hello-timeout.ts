/**
 * The HELLO timeout of a listener (`options.hello_timeout`, docs/security.md): a connection whose
 * transport handshake is done must have its session established (HELLO, any authentication,
 * WELCOME) in time, or it is closed. Without it a client that connects and says nothing holds
 * a socket, its buffers and a file descriptor forever (issue 12: 20,000 such connections
 * exhausted the descriptors).
 */
import type { WampMessage } from '@interchange/protocol';
import type { Peer, PeerConnection } from '@interchange/router';
import type { Logger } from '../logger.js';
import type { AcceptOptions, SessionAcceptor } from '../session-acceptor.js';

/** Milliseconds from transport handshake to WELCOME, by default. */
export const DEFAULT_HELLO_TIMEOUT_MS = 30_000;

/** What the timer asks of the router's connection: its session ID, 0 until WELCOME (`RouterSession.id`). */
interface Established {
  readonly id?: number;
}

/** The router's connection of a peer, with the timer stopped when the transport closes. */
class TimedConnection implements PeerConnection {
  readonly #inner: PeerConnection;
  readonly #timer: NodeJS.Timeout;

  constructor(inner: PeerConnection, peer: Peer, timeoutMs: number, logger: Logger, config: string) {
    this.#inner = inner;
    this.#timer = setTimeout(() => {
      if (((inner as Established).id ?? 0) !== 0) return;
      logger.info(
        { peer: peer.info.peer, timeoutMs, limit: config },
        'session not established in time (HELLO timeout); closing the connection',
      );
      peer.close();
    }, timeoutMs);
  }

  receive(message: WampMessage): void {
    this.#inner.receive(message);
  }

  protocolViolation(reason: string): void {
    this.#inner.protocolViolation(reason);
  }

  transportClosed(): void {
    clearTimeout(this.#timer);
    this.#inner.transportClosed();
  }
}

/**
 * `router` with a HELLO timeout on every connection it accepts; `router` itself when
 * `timeoutMs` is 0 (no timeout). `config` names the key in the log (`options.hello_timeout`).
 */
export function withHelloTimeout(
  router: SessionAcceptor,
  timeoutMs: number,
  logger: Logger,
  config = 'options.hello_timeout',
): SessionAcceptor {
  if (timeoutMs <= 0) return router;
  return {
    connect: (peer: Peer, options: AcceptOptions) =>
      new TimedConnection(router.connect(peer, options), peer, timeoutMs, logger, config),
  };
}
