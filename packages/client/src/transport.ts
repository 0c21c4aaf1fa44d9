import type { WampMessage } from '@interchange/protocol';

/** Why a transport closed. `wasClean` is true when the WebSocket closing handshake completed. */
export interface TransportCloseInfo {
  code: number;
  reason: string;
  wasClean: boolean;
}

/** Callbacks a transport reports to its session. */
export interface TransportHandlers {
  onMessage(message: WampMessage): void;
  /** A frame could not be decoded; the session treats it as a protocol violation. */
  onProtocolError(error: Error): void;
  onClose(info: TransportCloseInfo): void;
}

/**
 * An open, message-level connection to a router. WebSocket, RawSocket, long-poll and the
 * in-memory pair implement it; `Session` speaks WAMP over it and knows nothing of sockets.
 */
export interface ClientTransport {
  /** `websocket`, `rawsocket`, `longpoll`, `memory`. */
  readonly type: string;
  /** The serializer in use, e.g. `json`. */
  readonly serializer: string;
  /** Installs the session's handlers; messages arriving before this are queued. */
  attach(handlers: TransportHandlers): void;
  send(message: WampMessage): void;
  close(code?: number, reason?: string): void;
}

/** Opens a transport; a `Connection` calls it on each (re)connect attempt. */
export type TransportFactory = (signal: AbortSignal) => Promise<ClientTransport>;
