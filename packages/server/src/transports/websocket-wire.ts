/**
 * What a {@link WebSocketConnection} needs of the WebSocket under it, so that it can run on
 * either: Interchange's own ({@link DirectWebSocket}: frames read and written here, the hot path)
 * or ws's (for permessage-deflate, which ws implements).
 */
import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import { PongBudget } from './pong-budget.js';
import { CloseCode } from './websocket-frame.js';
import { FrameSizeGuard } from './websocket-frame-guard.js';

/** ready states, as ws and the browser number them. */
export const WireState = { OPEN: 1, CLOSING: 2, CLOSED: 3 } as const;

/** Who hears what the wire reads: the connection, which implements it. */
export interface WireListener {
  onWireMessage(data: RawData, binary: boolean): void;
  /** The WebSocket has closed, cleanly (a close code) or not (1006). Said once. */
  onWireClose(code: number, reason: string): void;
  onWireError(error: Error): void;
  /** A pong, with its payload (a view valid during the call only). */
  onWirePong(data: Buffer): void;
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
  /** Sends a ping with up to 125 bytes of payload. */
  ping(data?: Uint8Array): void;
}

/** Crossbar's WebSocket options that a ws WebSocket needs help with (see websocket-settings.ts). */
export interface WsWireOptions {
  /** The upgraded socket ws reads from. */
  socket: Duplex;
  /** Outgoing messages with a larger payload are sent in fragments of this size (`Infinity`: never). */
  fragmentSize: number;
  /** The largest frame a client may send (`Infinity`: no limit of its own). */
  maxFrameSize: number;
  /** A client breaking the protocol gets its TCP connection dropped, without a close frame. */
  failByDrop: boolean;
  /** A client's close frame is answered with its code and reason (ws's way); otherwise with 1000. */
  echoCloseCodeReason: boolean;
  /** Whether ws answers pings itself; when false (the service's way), pongs are bounded here. */
  autoPong?: boolean;
}

/**
 * ws's frame parser, which it does not expose: ws answers a client's close frame and fails a
 * connection from its 'conclude' and 'error' events, before telling anyone. Listeners put in
 * front of ws's own let Crossbar's `echo_close_codereason` and `fail_by_drop` decide first.
 */
interface WsReceiver {
  prependListener(event: 'conclude' | 'error', listener: (...args: unknown[]) => void): void;
}

function receiverOf(ws: WebSocket): WsReceiver {
  const receiver = (ws as unknown as { _receiver?: WsReceiver })._receiver;
  if (receiver === undefined || typeof receiver.prependListener !== 'function') {
    throw new Error('this version of ws does not expose its receiver; echo_close_codereason and fail_by_drop need it');
  }
  return receiver;
}

/** A ws WebSocket as a {@link WebSocketWire}. */
export function wsWire(ws: WebSocket, options?: WsWireOptions): WebSocketWire {
  // Set once a frame over `max_frame_size` was seen: ws may still read it, nobody gets it.
  let refused = false;
  if (options !== undefined) {
    applyWsOptions(ws, options, () => {
      refused = true;
    });
  }
  const fragmentSize = options?.fragmentSize ?? Number.POSITIVE_INFINITY;
  const autoPongs = options?.autoPong !== false;
  return {
    get readyState() {
      return ws.readyState;
    },
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    direct: !ws.extensions.includes('permessage-deflate'),
    listen(listener, pongs) {
      ws.on('message', (data, isBinary) => {
        if (!refused) listener.onWireMessage(data, isBinary);
      });
      ws.on('close', (code, reason) => listener.onWireClose(code, reason.toString()));
      ws.on('error', (error) => listener.onWireError(error));
      // ws answers pings itself unless told not to (`autoPong: false`, websocket-service.ts); then
      // each gets its pong here, bounded for a peer that does not read (pong-budget.ts).
      if (options !== undefined && !autoPongs) {
        const budget = new PongBudget(options.socket, (data) => ws.pong(data));
        ws.on('ping', (data) => budget.answer(data));
      }
      if (pongs) ws.on('pong', (data) => listener.onWirePong(data));
    },
    send: (data, binary) => {
      const size = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
      if (size <= fragmentSize) ws.send(data, { binary });
      else sendFragmented(ws, data, binary, fragmentSize);
    },
    close: (code, reason) => ws.close(code, reason),
    terminate: () => ws.terminate(),
    ping: (data) => ws.ping(data),
  };
}

/**
 * Sends one message as fragments of at most `size` bytes (before compression: with
 * permessage-deflate, ws compresses each fragment as part of the one message).
 */
function sendFragmented(ws: WebSocket, data: string | Uint8Array, binary: boolean, size: number): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  for (let start = 0; start < bytes.length; start += size) {
    const end = Math.min(start + size, bytes.length);
    ws.send(bytes.subarray(start, end), { binary, fin: end === bytes.length });
  }
}

function applyWsOptions(ws: WebSocket, options: WsWireOptions, onFrameRefused: () => void): void {
  if (!options.echoCloseCodeReason || options.failByDrop) {
    const receiver = receiverOf(ws);
    // Crossbar answers a client's close frame with 1000 unless told to echo: answered first
    // here, ws's own answer then finds the closing handshake done.
    if (!options.echoCloseCodeReason) receiver.prependListener('conclude', () => ws.close(CloseCode.NORMAL));
    // ws would send a close frame to a client that broke the protocol; dropped first, it cannot.
    if (options.failByDrop) receiver.prependListener('error', () => ws.terminate());
  }
  if (Number.isFinite(options.maxFrameSize)) {
    const guard = new FrameSizeGuard(options.maxFrameSize, (length) => {
      const reason = `frame larger than ${options.maxFrameSize} bytes (${length})`;
      onFrameRefused();
      if (options.failByDrop) ws.terminate();
      else ws.close(CloseCode.MESSAGE_TOO_BIG, reason);
    });
    // In front of ws's reader: the oversized frame is refused before ws buffers it.
    options.socket.prependListener('data', (chunk: Buffer) => guard.push(chunk));
  }
}
