/**
 * Encode-once for fan-out. The router hands the same message object to every receiver of a
 * publication (router `Peer` contract), so remembering the last message encoded per serializer
 * turns N encodings of one EVENT into one, and N WebSocket framings into one: every subscriber
 * using that serializer is written the very same buffer (docs/architecture.md, "How a message travels",
 * step 5).
 */
import {
  type Frame,
  JSON_BATCH_SEPARATOR,
  type JsonBatchSeparator,
  jsonBatchSeparatorOf,
  type Serializer,
  serializerForSubprotocol,
  type WampMessage,
} from '@interchange/protocol';
// Loads UBJSON into the protocol package, so `ubjson` subprotocols and RawSocket id 4 resolve.
import '@interchange/protocol/ubjson';
import { websocketFrame } from './websocket-frame.js';

/**
 * One serializer and its last encoded frame, shared by all connections using that subprotocol.
 * Relies on the router never mutating a message object after handing it to `Peer.send`.
 */
export class FrameCache {
  readonly serializer: Serializer;
  #lastMessage: WampMessage | undefined;
  #lastFrame: Frame | undefined;
  #lastBytes: Uint8Array | undefined;
  #lastWebSocketFrame: Buffer | undefined;
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
    this.#lastWebSocketFrame = undefined;
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

  /**
   * `message` as one complete WebSocket data frame (header and payload in one buffer), built once
   * and written unchanged to every receiver: a server's frames are not masked, so they do not
   * differ between connections (RFC 6455 section 5.1). Unbatched serializers only.
   */
  websocketFrame(message: WampMessage): Buffer {
    if (message === this.#lastMessage && this.#lastWebSocketFrame !== undefined) {
      this.#hits += 1;
      return this.#lastWebSocketFrame;
    }
    const frame = websocketFrame(this.encode(message));
    this.#lastWebSocketFrame = frame;
    return frame;
  }

  /** How many encodings the cache saved (for tests and metrics). */
  get hits(): number {
    return this.#hits;
  }
}

/** The {@link FrameCache} of each subprotocol in use, created on first use. */
export class FrameCachePool {
  readonly #caches = new Map<string, FrameCache>();

  /**
   * The cache of a subprotocol such as `wamp.2.cbor.batched`; `undefined` if Interchange does not
   * speak it. `batchSeparator` picks the `wamp.2.json.batched` dialect (see {@link answerInKind}).
   */
  forSubprotocol(subprotocol: string, batchSeparator?: JsonBatchSeparator): FrameCache | undefined {
    const key = batchSeparator === undefined ? subprotocol : subprotocol + batchSeparator;
    let cache = this.#caches.get(key);
    if (cache === undefined) {
      const serializer = serializerForSubprotocol(subprotocol, batchSeparator === undefined ? {} : { batchSeparator });
      if (serializer === undefined) return undefined;
      cache = new FrameCache(serializer);
      this.#caches.set(key, cache);
    }
    return cache;
  }

  /**
   * The cache to answer a peer with, given the first frame it sent: for `wamp.2.json.batched`, the
   * one writing the separator that peer writes (Autobahn|Python's 0x18 or the spec's 0x1e; see
   * packages/protocol/src/serializer-json.ts), so either kind of client reads our frames. Any
   * other subprotocol keeps `cache`. The first frame is HELLO, sent before anything of ours.
   */
  answerInKind(cache: FrameCache, firstFrame: Frame): FrameCache {
    const { serializer } = cache;
    if (serializer.name !== 'json' || !serializer.batched) return cache;
    const separator = jsonBatchSeparatorOf(firstFrame);
    if (separator === undefined || separator === JSON_BATCH_SEPARATOR) return cache;
    return this.forSubprotocol(serializer.subprotocol, separator) ?? cache;
  }
}
