import {
  CanceledError,
  InvalidArgumentError,
  type Serializer,
  type SerializerName,
  TransportError,
  type WampMessage,
} from '@interchange/protocol';
import { offeredSerializers } from './serializer-offer.js';
import type { ClientTransport, TransportCloseInfo, TransportFactory, TransportHandlers } from './transport.js';

/** The part of the W3C `WebSocket` the transport uses; browsers, Node 22 and `ws` all have it. */
export interface WebSocketLike {
  readonly protocol: string;
  readonly readyState: number;
  binaryType: string;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onclose: ((event: { code: number; reason: string; wasClean: boolean }) => void) | null;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
}

/** A `WebSocket` constructor: the global one, `ws`'s, or a test double. */
export type WebSocketConstructor = new (url: string, protocols?: string[]) => WebSocketLike;

/** Options of {@link connectWebSocket}. */
export interface WebSocketTransportOptions {
  /** `ws://` or `wss://` URL of the router. */
  url: string;
  /**
   * Serializers to offer, in order of preference: names (`'json'`, `'msgpack'`, `'cbor'`) or
   * serializer objects (e.g. `createSerializer('cbor', { batched: true })`). Default `['json']`.
   */
  serializers?: readonly (SerializerName | Serializer)[];
  /**
   * The subprotocols to offer instead of those of `serializers` (Autobahn's `protocols`), e.g.
   * `['wamp.2.msgpack', 'wamp.2.json']`. Each must be one Interchange speaks.
   */
  protocols?: readonly string[];
  /** Aborting it while connecting closes the socket and rejects with `CanceledError`. */
  signal?: AbortSignal;
  /**
   * The WebSocket implementation. Default: `globalThis.WebSocket` (browsers, Node 22+), else the
   * `ws` package, loaded on demand so browser bundles never contain it.
   */
  WebSocket?: WebSocketConstructor;
}

const OPEN = 1;

/**
 * A WAMP transport over one open WebSocket (spec: basic "WebSocket Transport"; advanced
 * "Batched WebSocket Transport"). Created by {@link connectWebSocket}.
 */
export class WebSocketTransport implements ClientTransport {
  readonly type = 'websocket';
  /** The serializer negotiated, e.g. `json`. */
  readonly serializer: string;
  /** The router URL. */
  readonly url: string;
  /** The subprotocol the server picked, e.g. `wamp.2.json`. */
  readonly protocol: string;
  readonly #socket: WebSocketLike;
  readonly #codec: Serializer;
  #handlers: TransportHandlers | undefined;
  // What arrives before `attach`: the contract says it is queued, not lost.
  #early: Array<{ data: unknown } | { close: TransportCloseInfo }> = [];

  /** @internal Takes over an open socket. */
  constructor(socket: WebSocketLike, codec: Serializer, url: string) {
    this.#socket = socket;
    this.#codec = codec;
    this.serializer = codec.name;
    this.url = url;
    this.protocol = socket.protocol;
    socket.onmessage = (event) => {
      if (this.#handlers === undefined) this.#early.push({ data: event.data });
      else this.#receive(event.data, this.#handlers);
    };
    socket.onclose = (event) => {
      const info: TransportCloseInfo = { code: event.code, reason: event.reason, wasClean: event.wasClean };
      if (this.#handlers === undefined) this.#early.push({ close: info });
      else this.#handlers.onClose(info);
    };
    // An error is always followed by a close event, which is what the session acts on.
    socket.onerror = () => {};
  }

  /** Autobahn's `transport.info`. */
  get info(): { type: 'websocket'; url: string; protocol: string } {
    return { type: this.type, url: this.url, protocol: this.protocol };
  }

  attach(handlers: TransportHandlers): void {
    this.#handlers = handlers;
    const early = this.#early;
    this.#early = [];
    for (const item of early) {
      if ('close' in item) handlers.onClose(item.close);
      else this.#receive(item.data, handlers);
    }
  }

  /**
   * Encodes and sends one message. Throws what the serializer throws for a message it cannot
   * encode; once the socket is closing, messages are dropped (as the WebSocket API does).
   */
  send(message: WampMessage): void {
    const frame = this.#codec.encode(message);
    if (this.#socket.readyState !== OPEN) return;
    this.#socket.send(frame);
  }

  close(code = 1000, reason = ''): void {
    closeSocket(this.#socket, code, reason);
  }

  #receive(data: unknown, handlers: TransportHandlers): void {
    const frame = toFrame(data);
    if (frame === undefined) {
      handlers.onProtocolError(new TransportError(`unsupported WebSocket message data: ${typeof data}`));
      return;
    }
    let messages: WampMessage[];
    try {
      messages = this.#codec.decode(frame);
    } catch (error) {
      handlers.onProtocolError(error instanceof Error ? error : new TransportError(String(error)));
      return;
    }
    for (const message of messages) handlers.onMessage(message);
  }
}

/**
 * Opens a WebSocket to a router, offering the WAMP subprotocols of the chosen serializers, and
 * resolves once it is open with the serializer the server picked.
 *
 * Rejects with `TransportError` when the connection fails or the server picks no WAMP
 * subprotocol we offered, and with `CanceledError` when `signal` aborts first.
 *
 * @throws InvalidArgumentError at once for an unknown serializer or subprotocol.
 * @example
 * const transport = await connectWebSocket({ url: 'ws://127.0.0.1:8080/ws', serializers: ['cbor', 'json'] });
 */
export async function connectWebSocket(options: WebSocketTransportOptions): Promise<WebSocketTransport> {
  const { url, signal } = options;
  if (typeof url !== 'string' || !/^wss?:\/\//i.test(url)) {
    throw new InvalidArgumentError(`connectWebSocket: url must be a ws:// or wss:// URL, got ${String(url)}`);
  }
  const offered = offeredSerializers(options);
  throwIfAborted(signal, url);
  const Impl = options.WebSocket ?? (await defaultWebSocket());
  throwIfAborted(signal, url);

  return new Promise<WebSocketTransport>((resolve, reject) => {
    let socket: WebSocketLike;
    try {
      socket = new Impl(url, [...offered.keys()]);
    } catch (cause) {
      reject(new TransportError(`could not open a WebSocket to ${url}`, { cause }));
      return;
    }
    socket.binaryType = 'arraybuffer';
    let errorDetail: string | undefined;
    const onAbort = (): void => {
      settle();
      closeSocket(socket, 1000, 'canceled');
      reject(new CanceledError(`connecting to ${url} canceled`, { cause: signal?.reason }));
    };
    const settle = (): void => {
      signal?.removeEventListener('abort', onAbort);
      socket.onopen = null;
      socket.onerror = null;
      socket.onclose = null;
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    socket.onopen = () => {
      settle();
      const codec = offered.get(socket.protocol);
      if (codec === undefined) {
        closeSocket(socket, 1000, 'no WAMP subprotocol');
        const picked = socket.protocol === '' ? 'none' : `'${socket.protocol}'`;
        reject(
          new TransportError(
            `${url}: the server picked ${picked} of the offered subprotocols ${[...offered.keys()].join(', ')}`,
          ),
        );
        return;
      }
      resolve(new WebSocketTransport(socket, codec, url));
    };
    socket.onerror = (event) => {
      errorDetail = describeErrorEvent(event);
    };
    socket.onclose = (event) => {
      settle();
      const detail = errorDetail ?? (event.reason === '' ? `code ${event.code}` : `${event.code} ${event.reason}`);
      reject(new TransportError(`could not connect to ${url}: ${detail}`));
    };
  });
}

/** A `TransportFactory` for `Connection`: a new WebSocket transport on each attempt. */
export function webSocketTransportFactory(options: Omit<WebSocketTransportOptions, 'signal'>): TransportFactory {
  // Validate once, at configuration time, rather than on the first connect attempt.
  offeredSerializers(options);
  return (signal) => connectWebSocket({ ...options, signal });
}

/**
 * The platform WebSocket, or `ws` in Node 20 where there is none. The import is dynamic so a
 * browser bundle marks `ws` external and never loads it: browsers always take the first branch.
 */
async function defaultWebSocket(): Promise<WebSocketConstructor> {
  const native = (globalThis as { WebSocket?: unknown }).WebSocket;
  if (typeof native === 'function') return native as WebSocketConstructor;
  try {
    const mod = (await import('ws')) as { WebSocket?: unknown; default?: unknown };
    const Impl = mod.WebSocket ?? mod.default;
    if (typeof Impl === 'function') return Impl as WebSocketConstructor;
  } catch (cause) {
    throw new TransportError(
      'no WebSocket implementation: globalThis.WebSocket is missing and the ws package could not be loaded',
      {
        cause,
      },
    );
  }
  throw new TransportError('no WebSocket implementation: the ws package has no WebSocket export');
}

function throwIfAborted(signal: AbortSignal | undefined, url: string): void {
  if (signal?.aborted === true) throw new CanceledError(`connecting to ${url} canceled`, { cause: signal.reason });
}

function toFrame(data: unknown): string | Uint8Array | undefined {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data)) {
    // `ws` hands fragmented messages over as Buffer[] when binaryType is 'fragments'.
    const parts = data.filter((p): p is Uint8Array => p instanceof Uint8Array);
    const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.byteLength;
    }
    return out;
  }
  return undefined;
}

/**
 * Closes without throwing: the WebSocket API only accepts 1000 and 3000-4999 from applications
 * and a reason of at most 123 UTF-8 bytes, and throws on anything else.
 */
function closeSocket(socket: WebSocketLike, code: number, reason: string): void {
  const safeCode = code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000;
  let safeReason = reason;
  while (new TextEncoder().encode(safeReason).byteLength > 123) safeReason = safeReason.slice(0, -1);
  try {
    socket.close(safeCode, safeReason);
  } catch {
    // Already closed or closing.
  }
}

function describeErrorEvent(event: unknown): string | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const { message, error } = event as { message?: unknown; error?: unknown };
  if (typeof message === 'string' && message !== '') return message;
  if (error instanceof Error) return error.message;
  return undefined;
}
