/**
 * A server-side WebSocket that Interchange runs itself on the upgraded socket, after its own
 * handshake (websocket-handshake.ts): frames are read by {@link WebSocketFrameReader}, data frames
 * are written by the connection straight to the socket, and this class handles the rest of
 * RFC 6455: ping and pong, the closing handshake, protocol errors. Used for every connection
 * without permessage-deflate; ws serves those with it.
 */
import type { Duplex } from 'node:stream';
import { PongBudget } from './pong-budget.js';
import { CloseCode, ControlOpcode, closePayload, controlFrame, websocketFrame } from './websocket-frame.js';
import { WebSocketFrameReader } from './websocket-frame-reader.js';
import { DEFAULT_CLOSE_TIMEOUT_MS } from './websocket-settings.js';
import { type WebSocketWire, type WireListener, WireState } from './websocket-wire.js';

/** How long a closing handshake may take before the socket is dropped, by default (ws's default too). */
export const CLOSE_TIMEOUT_MS = DEFAULT_CLOSE_TIMEOUT_MS;

/** Options of {@link DirectWebSocket} (Crossbar's WebSocket options, see websocket-settings.ts). */
export interface DirectWebSocketOptions {
  /** The largest message the reader takes; beyond it the connection is closed with 1009. */
  maxPayload: number;
  /** The largest frame the reader takes (`Infinity`: none); beyond it, 1009. */
  maxFrame?: number | undefined;
  /** How long the closing handshake may take before the socket is dropped. */
  closeTimeoutMs?: number | undefined;
  /** A client breaking the protocol gets its TCP connection dropped, without a close frame. */
  failByDrop?: boolean | undefined;
  /** A client's close frame is answered with its code and reason; otherwise with 1000. */
  echoCloseCodeReason?: boolean | undefined;
}

/** Close reasons are echoed up to 123 bytes: a control frame carries 125, the code takes 2. */
const MAX_CLOSE_REASON = 123;

export class DirectWebSocket implements WebSocketWire {
  readonly direct = true;
  readonly #socket: Duplex;
  readonly #options: DirectWebSocketOptions;
  #listener: WireListener | undefined;
  #reader: WebSocketFrameReader | undefined;
  #state: number = WireState.OPEN;
  #closeSent = false;
  #closeTimer: NodeJS.Timeout | undefined;
  #code: number = CloseCode.ABNORMAL;
  #reason = '';

  /**
   * @param socket the upgraded socket, the 101 response already written to it.
   * @param head bytes the client sent after its handshake request, before the response.
   * @param options limits and closing behaviour; `maxPayload` is the largest message the reader takes.
   */
  constructor(socket: Duplex, head: Buffer, options: DirectWebSocketOptions) {
    this.#socket = socket;
    this.#options = options;
    if (head.length > 0) socket.unshift(head);
  }

  get readyState(): number {
    return this.#state;
  }

  get bufferedAmount(): number {
    return this.#socket.writableLength;
  }

  listen(listener: WireListener): void {
    this.#listener = listener;
    // Bounded: a peer that pings and never reads gets its newest ping answered (pong-budget.ts).
    const pongs = new PongBudget(this.#socket, (data) => this.#write(controlFrame(ControlOpcode.PONG, data)));
    const reader = new WebSocketFrameReader(
      this.#options.maxPayload,
      {
        message: (data, binary) => listener.onWireMessage(data, binary),
        ping: (data) => pongs.answer(data),
        pong: (data) => listener.onWirePong(data),
        close: (code, reason) => this.#peerClosed(code, reason),
        fail: (code, reason) => this.#failed(code, reason),
      },
      this.#options.maxFrame,
    );
    this.#reader = reader;
    const socket = this.#socket;
    socket.on('data', (chunk: Buffer) => {
      try {
        reader.push(chunk);
      } catch (error) {
        // A fault of ours, whatever the client sent: it ends this connection, not the process.
        listener.onWireError(error as Error);
        socket.destroy();
      }
    });
    // The HTTP server lets sockets half-close; a peer that ends its side gets ours ended too.
    socket.on('end', () => socket.end());
    socket.on('error', (error: Error) => listener.onWireError(error));
    socket.on('close', () => this.#closed());
  }

  send(data: string | Uint8Array): void {
    if (this.#state === WireState.OPEN) this.#socket.write(websocketFrame(data));
  }

  close(code: number, reason = ''): void {
    if (this.#state !== WireState.OPEN) return;
    this.#closing();
    this.#sendClose(code, reason);
  }

  terminate(): void {
    this.#state = WireState.CLOSING;
    this.#socket.destroy();
  }

  ping(data?: Uint8Array): void {
    this.#write(controlFrame(ControlOpcode.PING, data));
  }

  /** Enters CLOSING: the client has a while to finish the handshake and close its side. */
  #closing(): void {
    this.#state = WireState.CLOSING;
    this.#closeTimer ??= setTimeout(() => this.#socket.destroy(), this.#options.closeTimeoutMs ?? CLOSE_TIMEOUT_MS);
  }

  #write(frame: Buffer): void {
    if (this.#state === WireState.OPEN) this.#socket.write(frame);
  }

  #sendClose(code: number, reason: string): void {
    if (this.#closeSent) return;
    this.#closeSent = true;
    this.#socket.write(controlFrame(ControlOpcode.CLOSE, closePayload(code, reason)));
  }

  /** The client sent a close frame: answer it (if we did not start) and end the TCP connection. */
  #peerClosed(code: number | undefined, reason: string): void {
    this.#code = code ?? CloseCode.NO_STATUS;
    this.#reason = reason;
    this.#closing();
    if (!this.#closeSent) {
      this.#closeSent = true;
      // Section 5.5.1 lets the answer echo the status code; Crossbar answers 1000 unless told
      // to echo (`echo_close_codereason`).
      let payload: Buffer | undefined = closePayload(CloseCode.NORMAL);
      if (this.#options.echoCloseCodeReason === true) {
        payload = code === undefined ? undefined : closePayload(code, truncateUtf8(reason, MAX_CLOSE_REASON));
      }
      this.#socket.write(controlFrame(ControlOpcode.CLOSE, payload));
    }
    // Section 7.1.1: after the closing handshake, the server closes the TCP connection first.
    this.#socket.end();
  }

  /** The client broke the protocol: close with the code the reader chose, and stop reading. */
  #failed(code: number, reason: string): void {
    this.#listener?.onWireError(new Error(`websocket protocol error: ${reason}`));
    if (this.#options.failByDrop === true) {
      // Crossbar's `fail_by_drop`: no closing handshake with a peer that broke the protocol.
      this.terminate();
      return;
    }
    this.#closing();
    this.#sendClose(code, reason);
    this.#socket.end();
  }

  #closed(): void {
    if (this.#state === WireState.CLOSED) return;
    this.#state = WireState.CLOSED;
    clearTimeout(this.#closeTimer);
    this.#reader?.stop();
    this.#listener?.onWireClose(this.#code, this.#reason);
  }
}

/** `text` cut to at most `bytes` bytes of UTF-8, never inside a character. */
function truncateUtf8(text: string, bytes: number): string {
  const encoded = Buffer.from(text, 'utf8');
  if (encoded.length <= bytes) return text;
  let end = bytes;
  while (end > 0 && ((encoded[end] as number) & 0xc0) === 0x80) end--;
  return encoded.subarray(0, end).toString('utf8');
}
