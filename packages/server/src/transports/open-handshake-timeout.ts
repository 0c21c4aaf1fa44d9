/**
 * Crossbar's `open_handshake_timeout`: a connection to a listener with WebSocket services must
 * complete its opening handshake in time, or it is dropped. The timer starts when the listener
 * hands over the connection (after TLS, if any) and stops when the connection's first request
 * has arrived whole: an upgrade is then accepted or refused at once. On a web or universal
 * transport a request's path is known only once it has arrived, so the timer covers every
 * connection of the transport until its first request, with the smallest timeout of its
 * WebSocket services.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../logger.js';
import type { ListenerHandlers } from '../web/http-listener.js';

/** The timers of connections still waiting for their first request. */
export class OpenHandshakeTimeout {
  readonly #timeoutMs: number;
  readonly #logger: Logger;
  readonly #timers = new WeakMap<object, NodeJS.Timeout>();
  /** Shared by all sockets (the socket is `this`): no closure per connection. */
  readonly #onClose: (this: Socket) => void;

  constructor(timeoutMs: number, logger: Logger) {
    this.#timeoutMs = timeoutMs;
    this.#logger = logger;
    const timers = this.#timers;
    this.#onClose = function (this: Socket) {
      clearTimeout(timers.get(this));
      timers.delete(this);
    };
  }

  /** Starts the timer of a new connection. */
  arm(socket: Socket): void {
    const timer = setTimeout(() => {
      this.#timers.delete(socket);
      socket.off('close', this.#onClose);
      this.#logger.info(
        { peer: socket.remoteAddress, timeoutMs: this.#timeoutMs },
        'opening handshake not completed in time; dropping connection',
      );
      socket.destroy();
    }, this.#timeoutMs);
    this.#timers.set(socket, timer);
    socket.once('close', this.#onClose);
  }

  /** Stops the timer of a connection (its first request arrived, or it is not HTTP). */
  disarm(socket: object): void {
    const timer = this.#timers.get(socket);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.#timers.delete(socket);
    (socket as Socket).off('close', this.#onClose);
  }

  /** `handlers` with the timer stopped as each request or upgrade arrives. */
  wrap(handlers: ListenerHandlers): ListenerHandlers {
    return {
      request: (req: IncomingMessage, res) => {
        this.disarm(req.socket);
        handlers.request(req, res);
      },
      upgrade: (req, socket, head) => {
        this.disarm(socket);
        handlers.upgrade(req, socket, head);
      },
    };
  }

  /** The smallest positive timeout of `timeouts`, or 0 when none is set. */
  static smallest(timeouts: readonly number[]): number {
    const set = timeouts.filter((ms) => ms > 0);
    return set.length === 0 ? 0 : Math.min(...set);
  }
}
