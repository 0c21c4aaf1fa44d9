/**
 * What a {@link WebSocketConnection} needs of the WebSocket under it, so that it can run on
 * either: Interchange's own ({@link DirectWebSocket}: frames read and written here, the hot path)
 * or ws's (for permessage-deflate, which ws implements).
 */
import type { RawData, WebSocket } from 'ws';

/** ready states, as ws and the browser number them. */
export const WireState = { OPEN: 1, CLOSING: 2, CLOSED: 3 } as const;

/** Who hears what the wire reads: the connection, which implements it. */
export interface WireListener {
  onWireMessage(data: RawData, binary: boolean): void;
  /** The WebSocket has closed, cleanly (a close code) or not (1006). Said once. */
  onWireClose(code: number, reason: string): void;
  onWireError(error: Error): void;
  onWirePong(): void;
}

export interface WebSocketWire {
  readonly readyState: number;
  /** Bytes written but not yet taken by the kernel. */
  readonly bufferedAmount: number;
  /**
   * Whether WebSocket frames built by the caller may be written to the socket as they are; not
   * when an extension (permessage-deflate) transforms them: then they go through {@link send}.
   */
  readonly direct: boolean;
  /** Starts reading; `pongs` says whether the listener wants to hear pongs. */
  listen(listener: WireListener, pongs: boolean): void;
  send(data: string | Uint8Array, binary: boolean): void;
  /** Starts the closing handshake. */
  close(code: number, reason?: string): void;
  /** Drops the connection at once. */
  terminate(): void;
  ping(): void;
}

/** A ws WebSocket as a {@link WebSocketWire}. */
export function wsWire(ws: WebSocket): WebSocketWire {
  return {
    get readyState() {
      return ws.readyState;
    },
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    direct: !ws.extensions.includes('permessage-deflate'),
    listen(listener, pongs) {
      ws.on('message', (data, isBinary) => listener.onWireMessage(data, isBinary));
      ws.on('close', (code, reason) => listener.onWireClose(code, reason.toString()));
      ws.on('error', (error) => listener.onWireError(error));
      if (pongs) ws.on('pong', () => listener.onWirePong());
    },
    send: (data, binary) => ws.send(data, { binary }),
    close: (code, reason) => ws.close(code, reason),
    terminate: () => ws.terminate(),
    ping: () => ws.ping(),
  };
}
