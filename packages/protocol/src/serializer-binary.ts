/**
 * The part the msgpack, CBOR and UBJSON serializers share: validation, error wrapping, and the
 * batched framing (spec: advanced profile "Batched WebSocket transport": in
 * `wamp.2.msgpack.batched`, `wamp.2.cbor.batched` (and `wamp.2.ubjson.batched`) each message is prefixed by its length
 * as a 4-byte big-endian unsigned integer).
 */
import { InvalidArgumentError, ProtocolViolationError } from './errors.js';
import { messageFromArray, messageToArray } from './message-codec.js';
import type { WampMessage } from './messages.js';
import type { Frame, Serializer, SerializerName } from './serializer.js';
import { asViolation, type SerializerOptions, single } from './serializer-common.js';

const BINARY_LABELS = { msgpack: 'MessagePack', cbor: 'CBOR', ubjson: 'UBJSON' } as const;

/** The codec a binary serializer plugs in: one value to bytes and back. */
export interface BinaryCodec {
  name: Exclude<SerializerName, 'json'>;
  /** Encodes the wire array. May throw; the serializer wraps the error. */
  encode(array: unknown[]): Uint8Array;
  /**
   * Decodes exactly one value spanning the whole of `bytes`, a plain Uint8Array (never a Buffer:
   * see {@link plainBytes}). May throw; the serializer wraps it.
   */
  decode(bytes: Uint8Array): unknown;
  /**
   * Instead of `decode`, for a codec that can read a range of a larger array: decodes the value
   * spanning exactly `end - start` bytes of `bytes` (the frame's whole ArrayBuffer, viewed as a
   * plain Uint8Array) from `start`.
   */
  decodeRange?(bytes: Uint8Array, start: number, end: number): unknown;
}

/**
 * A plain Uint8Array over the whole ArrayBuffer of the frame decoded last. Frames cut from one
 * socket read (and small Buffers from Node's allocation pool) share an ArrayBuffer, so one view
 * serves them all, instead of a view per frame (and msgpackr's DataView per view).
 */
let lastBuffer: ArrayBufferLike | undefined;
let lastView: Uint8Array = new Uint8Array(0);

/**
 * The view keeps its ArrayBuffer alive until a frame of another one comes: only buffers up to a
 * socket read's size (Node reads at most 64 KiB at a time) are kept that way, so a large
 * reassembled message is not held after it was handled. A frame of a larger buffer is large
 * itself, or rare, and gets a view of its own as before.
 */
const SHARED_VIEW_LIMIT = 64 * 1024;

/** The shared view of `bytes`'s ArrayBuffer, or `undefined` when that buffer is too large to keep. */
function wholeView(bytes: Uint8Array): Uint8Array | undefined {
  const buffer = bytes.buffer;
  if (buffer !== lastBuffer) {
    if (buffer.byteLength > SHARED_VIEW_LIMIT) return undefined;
    lastBuffer = buffer;
    lastView = new Uint8Array(buffer);
  }
  return lastView;
}

/**
 * `bytes` as a plain Uint8Array, so binary values come out as Uint8Array in Node too (slices of
 * a Buffer would be Buffers), the same type as in browsers and from JSON.
 */
export function plainBytes(bytes: Uint8Array): Uint8Array {
  return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** Builds a Serializer around a binary codec, batched or not. */
export function createBinarySerializer(codec: BinaryCodec, options: SerializerOptions = {}): Serializer {
  const batched = options.batched === true;
  const decodeOptions = options.decode ?? {};
  const label = BINARY_LABELS[codec.name];

  const decodeOne = (bytes: Uint8Array): WampMessage => {
    let raw: unknown;
    try {
      // An empty frame has no range to read (and an end of 0 means "to the end" to msgpackr).
      const whole = bytes.length > 0 && codec.decodeRange !== undefined ? wholeView(bytes) : undefined;
      raw =
        whole === undefined
          ? codec.decode(plainBytes(bytes))
          : codec.decodeRange?.(whole, bytes.byteOffset, bytes.byteOffset + bytes.length);
    } catch (cause) {
      throw new ProtocolViolationError(`frame is not valid ${label}`, { field: 'frame', cause });
    }
    return messageFromArray(raw, decodeOptions);
  };

  return {
    name: codec.name,
    subprotocol: `wamp.2.${codec.name}${batched ? '.batched' : ''}`,
    binary: true,
    batched,
    encode(message: WampMessage): Uint8Array {
      let body: Uint8Array;
      try {
        body = codec.encode(messageToArray(message));
      } catch (cause) {
        throw new InvalidArgumentError(`${message.type} cannot be encoded as ${label}`, { cause });
      }
      if (!batched) return body;
      const out = new Uint8Array(4 + body.length);
      new DataView(out.buffer).setUint32(0, body.length);
      out.set(body, 4);
      return out;
    },
    joinFrames(encoded: readonly Frame[]): Uint8Array {
      if (!batched) return bytesOf(single(encoded, codec.name));
      let total = 0;
      for (const f of encoded) total += bytesOf(f).length;
      const out = new Uint8Array(total);
      let at = 0;
      for (const f of encoded) {
        out.set(bytesOf(f), at);
        at += (f as Uint8Array).length;
      }
      return out;
    },
    decode(frame: Frame): WampMessage[] {
      try {
        if (!(frame instanceof Uint8Array)) {
          throw new ProtocolViolationError(`${label} frames must be binary, got text`, { field: 'frame' });
        }
        if (!batched) return [decodeOne(frame)];
        return splitLengthPrefixed(frame).map(decodeOne);
      } catch (error) {
        throw asViolation(error, label);
      }
    },
  };
}

function bytesOf(frame: Frame): Uint8Array {
  if (!(frame instanceof Uint8Array)) throw new InvalidArgumentError('binary serializers join binary frames only');
  return frame;
}

/** Splits a batched frame into its messages; any overrun or leftover is a violation. */
function splitLengthPrefixed(frame: Uint8Array): Uint8Array[] {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const parts: Uint8Array[] = [];
  let at = 0;
  while (at < frame.length) {
    if (frame.length - at < 4) {
      throw new ProtocolViolationError('batched frame ends inside a length prefix', { field: 'frame' });
    }
    const length = view.getUint32(at);
    at += 4;
    if (length === 0 || length > frame.length - at) {
      throw new ProtocolViolationError(`batched frame announces ${length} bytes, ${frame.length - at} left`, {
        field: 'frame',
      });
    }
    parts.push(frame.subarray(at, at + length));
    at += length;
  }
  if (parts.length === 0) throw new ProtocolViolationError('batched frame holds no message', { field: 'frame' });
  return parts;
}
