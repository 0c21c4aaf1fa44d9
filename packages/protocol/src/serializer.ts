import type { WampMessage } from './messages.js';

/** The serializers WAMP defines that Interchange speaks. */
export type SerializerName = 'json' | 'msgpack' | 'cbor' | 'ubjson';

/** One transport frame: text for JSON, bytes for the binary serializers. */
export type Frame = string | Uint8Array;

/**
 * Turns typed messages into frames and back. Sans-IO: it never touches a socket.
 *
 * A batched serializer (`wamp.2.json.batched`, ...) packs several messages into one frame;
 * `decode` therefore always returns a list (one element for unbatched serializers).
 */
export interface Serializer {
  /** `json`, `msgpack`, `cbor` or `ubjson`. */
  readonly name: SerializerName;
  /** The WebSocket subprotocol, e.g. `wamp.2.json` or `wamp.2.cbor.batched`. */
  readonly subprotocol: string;
  /** Whether frames are binary (WebSocket opcode 2) or text (opcode 1). */
  readonly binary: boolean;
  /** Whether frames carry several messages. */
  readonly batched: boolean;
  /** Encodes one message into one frame. */
  encode(message: WampMessage): Frame;
  /**
   * Packs already encoded messages (from `encode`) into one frame; for unbatched serializers
   * only a single message is accepted.
   */
  joinFrames(encoded: readonly Frame[]): Frame;
  /**
   * Decodes one frame into messages, validating each.
   * @throws ProtocolViolationError when the frame is not valid for the serializer or a message is malformed.
   */
  decode(frame: Frame): WampMessage[];
}
