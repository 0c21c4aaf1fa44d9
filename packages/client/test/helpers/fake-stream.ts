import { EventEmitter } from 'node:events';
import { RawSocketDecoder, type RawSocketEvent } from '@interchange/protocol';
import type { RawSocketConnector, RawSocketStream, RawSocketTarget } from '../../src/index.js';

/**
 * A byte stream double for the RawSocket transport: what the client writes is decoded as a
 * router would (handshake, then frames); the test plays the router with `receive`, `end` and
 * `fail`. Events are emitted synchronously, which is stricter than a socket.
 */
export class FakeStream extends EventEmitter implements RawSocketStream {
  /** What the client wrote, decoded router-side. */
  readonly fromClient: RawSocketEvent[] = [];
  ended = false;
  destroyed = false;
  readonly #decoder = new RawSocketDecoder({ expectHandshake: true });
  #closed = false;

  write(chunk: Uint8Array): boolean {
    if (this.#closed) throw new Error('write after close');
    this.fromClient.push(...this.#decoder.push(new Uint8Array(chunk)));
    return true;
  }

  end(): this {
    this.ended = true;
    return this;
  }

  destroy(): this {
    this.destroyed = true;
    this.#close();
    return this;
  }

  /** The router sends bytes. */
  receive(...octets: Array<number[] | Uint8Array>): void {
    for (const part of octets) this.emit('data', part instanceof Uint8Array ? part : Uint8Array.from(part));
  }

  /** The router closes the connection (FIN). */
  closeFromPeer(): void {
    this.#close();
  }

  /** The connection breaks. */
  fail(message: string): void {
    this.emit('error', new Error(message));
    this.#close();
  }

  /** The frames (not the handshake) the client sent. */
  frames(): RawSocketEvent[] {
    return this.fromClient.filter((event) => event.type !== 'handshake');
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.emit('close');
  }
}

/** A connector handing out fake streams; `onConnect` plays the router for each new one. */
export class FakeConnector {
  readonly streams: FakeStream[] = [];
  readonly targets: RawSocketTarget[] = [];
  readonly connect: RawSocketConnector;

  constructor(onConnect: (stream: FakeStream, index: number) => void = () => {}) {
    this.connect = async (target) => {
      const stream = new FakeStream();
      this.targets.push(target);
      this.streams.push(stream);
      // The router answers once the client's handshake is written, like a real one.
      const write = stream.write.bind(stream);
      let answered = false;
      stream.write = (chunk: Uint8Array) => {
        const result = write(chunk);
        if (!answered && stream.fromClient.length > 0) {
          answered = true;
          onConnect(stream, this.streams.length - 1);
        }
        return result;
      };
      return stream;
    };
  }

  get last(): FakeStream {
    const last = this.streams[this.streams.length - 1];
    if (last === undefined) throw new Error('no stream opened');
    return last;
  }
}

/** A RawSocket frame: 4-octet prefix (type, 24-bit length) and payload. */
export function frame(type: number, payload: Uint8Array | string): Uint8Array {
  const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
  const out = new Uint8Array(4 + bytes.length);
  out.set([type, (bytes.length >>> 16) & 0xff, (bytes.length >>> 8) & 0xff, bytes.length & 0xff]);
  out.set(bytes, 4);
  return out;
}
