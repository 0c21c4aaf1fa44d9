/**
 * A server-side WebSocket that Interchange runs itself on the upgraded socket, after its own
 * handshake (websocket-handshake.ts): frames are read by {@link WebSocketFrameReader}, data frames
 * are written by the connection straight to the socket, and this class handles the rest of
 * RFC 6455: ping and pong, the closing handshake, protocol errors. Used for every connection
 * without permessage-deflate; ws serves those with it.
 */
import type { Duplex } from 'node:stream';
import { CloseCode, ControlOpcode, closePayload, controlFrame, websocketFrame } from './websocket-frame.js';
import { WebSocketFrameReader } from './websocket-frame-reader.js';
import { type WebSocketWire, type WireListener, WireState } from './websocket-wire.js';

/** How long a closing handshake may take before the socket is dropped (ws's default too). */
export const CLOSE_TIMEOUT_MS = 30_000;

export class DirectWebSocket implements WebSocketWire {
  readonly direct = true;
  readonly #socket: Duplex;
  readonly #maxPayload: number;
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
   * @param maxPayload the largest message the reader takes; beyond it the connection is closed with 1009.
   */
  constructor(socket: Duplex, head: Buffer, maxPayload: number) {
    this.#socket = socket;
    this.#maxPayload = maxPayload;
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
    const reader = new WebSocketFrameReader(this.#maxPayload, {
      message: (data, binary) => listener.onWireMessage(data, binary),
      ping: (data) => this.#write(controlFrame(ControlOpcode.PONG, data)),
      pong: () => listener.onWirePong(),
      close: (code, reason) => this.#peerClosed(code, reason),
      fail: (code, reason) => this.#failed(code, reason),
    });
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

  ping(): void {
    this.#write(controlFrame(ControlOpcode.PING));
  }

  /** Enters CLOSING: the client has a while to finish the handshake and close its side. */
  #closing(): void {
    this.#state = WireState.CLOSING;
    this.#closeTimer ??= setTimeout(() => this.#socket.destroy(), CLOSE_TIMEOUT_MS);
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
      // Section 5.5.1: the answer echoes the status code it received.
      const payload = code === undefined ? undefined : closePayload(code);
      this.#socket.write(controlFrame(ControlOpcode.CLOSE, payload));
    }
    // Section 7.1.1: after the closing handshake, the server closes the TCP connection first.
    this.#socket.end();
  }

  /** The client broke the protocol: close with the code the reader chose, and stop reading. */
  #failed(code: number, reason: string): void {
    this.#listener?.onWireError(new Error(`websocket protocol error: ${reason}`));
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
