import type { Serializer, WampMessage } from '@interchange/protocol';
import type { ClientTransport, TransportCloseInfo, TransportHandlers } from './transport.js';

/** Options of {@link createMemoryTransportPair}. */
export interface MemoryTransportOptions {
  /**
   * Encode and decode every message with this serializer, in both directions, as a socket
   * would. Without it, message objects are handed over as they are (fast; receivers must not
   * mutate them), and the transport reports its serializer as `json`, the model those objects
   * follow.
   */
  serializer?: Serializer;
  /** The remote address the router end reports in `info.peer`. Default `memory`. */
  peer?: string;
}

/** Handlers of the router end: what the client sent, and the close. */
export interface MemoryRouterHandlers {
  onMessage(message: WampMessage): void;
  /** A client frame did not decode (only with a `serializer`). */
  onProtocolError?(error: Error): void;
  onClose(info: TransportCloseInfo): void;
}

/**
 * The router-facing end of an in-memory transport. It has the shape of the router's `Peer`
 * (`info`, `send`, `close`), so a server passes it to `router.connect()` as it is, and feeds
 * what the client sends to the returned connection through `attach`.
 *
 * @example
 * const { client, router: end } = createMemoryTransportPair();
 * const connection = router.connect(end);
 * end.attach({ onMessage: (m) => connection.receive(m), onClose: () => connection.transportClosed() });
 * const session = new Session(client, { realm: 'realm1' });
 */
export interface MemoryRouterEnd {
  /** Transport info as the router's `TransportInfo` describes it. */
  readonly info: { type: 'memory'; serializer: string; peer: string };
  /** Delivers one message to the client. Never throws; dropped once closed. */
  send(message: WampMessage): void;
  /** Closes the pair; both ends are told after the messages already sent are delivered. */
  close(code?: number, reason?: string): void;
  /**
   * Ends the pair as a dropped network connection would: both ends see an unclean close
   * (code 1006, `wasClean: false`). For tests of reconnection.
   */
  drop(): void;
  /** Installs the router side's handlers; client messages sent before this are queued. */
  attach(handlers: MemoryRouterHandlers): void;
  /** Whether `close` was called on either end. */
  readonly closed: boolean;
}

/** The two ends of an in-memory transport. */
export interface MemoryTransportPair {
  /** For a `Session`. */
  client: ClientTransport;
  /** For the router (or a scripted fake router in tests). */
  router: MemoryRouterEnd;
}

type Item = { kind: 'message'; message: WampMessage } | { kind: 'frame'; frame: string | Uint8Array };

interface EndHandlers {
  onMessage(message: WampMessage): void;
  onProtocolError(error: Error): void;
  onClose(info: TransportCloseInfo): void;
}

/**
 * One direction of the pair: messages queue until the receiver attached, then are delivered in
 * order on a microtask, never from inside `send` (so no re-entrancy into the sender).
 */
class Inbox {
  readonly #serializer: Serializer | undefined;
  #handlers: EndHandlers | undefined;
  #queue: Item[] = [];
  #scheduled = false;
  #closeInfo: TransportCloseInfo | undefined;
  #closeDelivered = false;

  constructor(serializer: Serializer | undefined) {
    this.#serializer = serializer;
  }

  attach(handlers: EndHandlers): void {
    this.#handlers = handlers;
    this.#schedule();
  }

  /** Encodes synchronously, so a message the serializer refuses throws in the sender. */
  put(message: WampMessage): void {
    const serializer = this.#serializer;
    if (serializer === undefined) {
      this.#queue.push({ kind: 'message', message });
    } else {
      const frame = serializer.encode(message);
      this.#queue.push({ kind: 'frame', frame: serializer.batched ? serializer.joinFrames([frame]) : frame });
    }
    this.#schedule();
  }

  close(info: TransportCloseInfo): void {
    if (this.#closeInfo !== undefined) return;
    this.#closeInfo = info;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled || this.#handlers === undefined) return;
    this.#scheduled = true;
    queueMicrotask(() => this.#flush());
  }

  #flush(): void {
    this.#scheduled = false;
    const handlers = this.#handlers;
    if (handlers === undefined) return;
    while (this.#queue.length > 0) {
      const item = this.#queue.shift() as Item;
      if (item.kind === 'message') {
        handlers.onMessage(item.message);
        continue;
      }
      let messages: WampMessage[];
      try {
        messages = (this.#serializer as Serializer).decode(item.frame);
      } catch (error) {
        handlers.onProtocolError(error instanceof Error ? error : new Error(String(error)));
        continue;
      }
      for (const message of messages) handlers.onMessage(message);
    }
    if (this.#closeInfo !== undefined && !this.#closeDelivered) {
      this.#closeDelivered = true;
      handlers.onClose(this.#closeInfo);
    }
  }
}

/**
 * Creates a connected in-memory transport pair, for tests and for hosting a client in the
 * router's process. Delivery is asynchronous (a microtask) and ordered, like a socket.
 *
 * @example
 * const { client, router } = createMemoryTransportPair({ serializer: createSerializer('json') });
 */
export function createMemoryTransportPair(options: MemoryTransportOptions = {}): MemoryTransportPair {
  const serializer = options.serializer;
  const toClient = new Inbox(serializer);
  const toRouter = new Inbox(serializer);
  let closed = false;

  const closeBoth = (code = 1000, reason = '', wasClean = true): void => {
    if (closed) return;
    closed = true;
    const info: TransportCloseInfo = { code, reason, wasClean };
    toClient.close(info);
    toRouter.close(info);
  };

  const client: ClientTransport = {
    type: 'memory',
    serializer: serializer?.name ?? 'json',
    attach(handlers: TransportHandlers): void {
      toClient.attach(handlers);
    },
    send(message: WampMessage): void {
      if (!closed) toRouter.put(message);
    },
    close(code?: number, reason?: string): void {
      closeBoth(code, reason);
    },
  };

  const router: MemoryRouterEnd = {
    info: { type: 'memory', serializer: serializer?.name ?? 'json', peer: options.peer ?? 'memory' },
    send(message: WampMessage): void {
      if (closed) return;
      try {
        toClient.put(message);
      } catch {
        // The router's Peer contract: `send` must not throw. An unencodable message is dropped,
        // as a socket transport would drop a frame it cannot write.
      }
    },
    close(code?: number, reason?: string): void {
      closeBoth(code, reason);
    },
    drop(): void {
      closeBoth(1006, '', false);
    },
    attach(handlers: MemoryRouterHandlers): void {
      toRouter.attach({
        onMessage: (message) => handlers.onMessage(message),
        onProtocolError: (error) => handlers.onProtocolError?.(error),
        onClose: (info) => handlers.onClose(info),
      });
    },
    get closed(): boolean {
      return closed;
    },
  };

  return { client, router };
}
