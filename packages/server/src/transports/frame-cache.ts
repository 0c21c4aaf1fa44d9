/**
 * Encode-once for fan-out. The router hands the same message object to every receiver of a
 * publication (router `Peer` contract), so remembering the last message encoded per serializer
 * turns N encodings of one EVENT into one (DESIGN.md, "How a message travels", step 5).
 */
import { type Frame, type Serializer, serializerForSubprotocol, type WampMessage } from '@interchange/protocol';

/**
 * One serializer and its last encoded frame, shared by all connections using that subprotocol.
 * Relies on the router never mutating a message object after handing it to `Peer.send`.
 */
export class FrameCache {
  readonly serializer: Serializer;
  #lastMessage: WampMessage | undefined;
  #lastFrame: Frame | undefined;
  #lastBytes: Uint8Array | undefined;
  #hits = 0;

  constructor(serializer: Serializer) {
    this.serializer = serializer;
  }

  /** The encoded frame of `message` (for batched serializers: its part of a batch). */
  encode(message: WampMessage): Frame {
    if (message === this.#lastMessage && this.#lastFrame !== undefined) {
      this.#hits += 1;
      return this.#lastFrame;
    }
    // Clear first: if encode throws, a stale frame must not be served for this message.
    this.#lastMessage = undefined;
    this.#lastBytes = undefined;
    const frame = this.serializer.encode(message);
    this.#lastMessage = message;
    this.#lastFrame = frame;
    return frame;
  }

  /**
   * The frame of `message` as bytes ready for the socket. Text frames are converted to UTF-8
   * once here, not once per receiver (a WebSocket text frame may be written from bytes).
   */
  encodeBytes(message: WampMessage): Uint8Array {
    const frame = this.encode(message);
    if (typeof frame !== 'string') return frame;
    this.#lastBytes ??= Buffer.from(frame, 'utf8');
    return this.#lastBytes;
  }

  /** How many encodings the cache saved (for tests and metrics). */
  get hits(): number {
    return this.#hits;
  }
}

/** The {@link FrameCache} of each subprotocol in use, created on first use. */
export class FrameCachePool {
  readonly #caches = new Map<string, FrameCache>();

  /** The cache of a subprotocol such as `wamp.2.cbor.batched`; `undefined` if Interchange does not speak it. */
  forSubprotocol(subprotocol: string): FrameCache | undefined {
    let cache = this.#caches.get(subprotocol);
    if (cache === undefined) {
      const serializer = serializerForSubprotocol(subprotocol);
      if (serializer === undefined) return undefined;
      cache = new FrameCache(serializer);
      this.#caches.set(subprotocol, cache);
    }
    return cache;
  }
}
