/**
 * `wamp.2.msgpack` and `wamp.2.msgpack.batched` (spec: basic profile "Serializations",
 * "MessagePack"), on msgpackr.
 *
 * Configured for WAMP: maps decode to plain objects (no records, no `Map`), binary is `bin` and
 * decodes to Uint8Array (copied, so it outlives the frame), integers up to 2^53 decode as numbers.
 *
 * Integers wider than 32 bits need care: msgpackr writes any such JS number as float64, which
 * strict peers (Autobahn|Python checks `type(id) == int`) reject as an ID. Before packing, they
 * are therefore replaced by a wrapper that an msgpackr extension writes as `uint 64` (positive)
 * or by a bigint that msgpackr writes as `int 64` (negative), which is also what
 * msgpack-python produces, so our bytes equal the test vectors'.
 */
import { addExtension, Packr, Unpackr } from 'msgpackr';
import { ProtocolViolationError } from './errors.js';
import { isNumericTypedArray } from './message-fields.js';
import type { Serializer } from './serializer.js';
import { type BinaryCodec, createBinarySerializer } from './serializer-binary.js';
import type { SerializerOptions } from './serializer-common.js';
import { mapLeaves } from './value-walk.js';

/** A positive integer above 2^32 - 1, to be written as msgpack `uint 64` (0xcf). */
class WireUint64 {
  constructor(readonly value: number) {}
}

/**
 * msgpackr's extension registry is module-global; it is keyed by class (ours is private) for
 * packing. An extension type code must be given as well; incoming ext 0x57 ('W') frames are
 * refused, which they would be anyway, since WAMP uses no msgpack extension types.
 */
const WIRE_UINT64_EXT = 0x57;
addExtension({
  Class: WireUint64,
  type: WIRE_UINT64_EXT,
  pack(
    instance: WireUint64,
    allocateForWrite: (size: number) => { target: Uint8Array; targetView: DataView; position: number },
  ) {
    const { target, targetView, position } = allocateForWrite(9);
    target[position] = 0xcf;
    // Two 32-bit halves, exact for integers up to 2^53, without a BigInt per value.
    targetView.setUint32(position + 1, Math.floor(instance.value / 0x1_0000_0000));
    targetView.setUint32(position + 5, instance.value >>> 0);
  },
  unpack() {
    throw new ProtocolViolationError(`msgpack extension type ${WIRE_UINT64_EXT} is not used by WAMP`, {
      field: 'frame',
    });
  },
} as unknown as Parameters<typeof addExtension>[0]);

const TWO_POW_53 = 2 ** 53;

/**
 * The wrapper of `v`, the last one made when it wraps the same value: registration IDs (random
 * over 1..2^53, so nearly always above 2^32) repeat in every INVOCATION of a registration.
 */
let lastWide = new WireUint64(0);
function wireUint64(v: number): WireUint64 {
  if (lastWide.value !== v) lastWide = new WireUint64(v);
  return lastWide;
}

/**
 * Integers msgpackr would write as float64 become wrappers or bigints (see above), up to 2^53 in
 * magnitude: those decode back to numbers. Integral numbers beyond are floats in all but name
 * (most neighbours are not representable) and stay float64, so they also decode as numbers.
 */
function widenInteger(v: unknown): unknown {
  if (typeof v !== 'number') {
    // A CBOR peer's typed array (RFC 8746 tags): msgpack has no such type, and msgpackr would
    // write its raw bytes; a msgpack receiver gets its numbers as a list instead, as JSON does.
    if (typeof v === 'object' && v !== null && isNumericTypedArray(v))
      return Array.from(v as unknown as ArrayLike<number | bigint>, (n) => widenInteger(Number(n)));
    return v;
  }
  if (!Number.isInteger(v)) return v;
  if (v > 0xffffffff && v <= TWO_POW_53) return wireUint64(v);
  if (v < -0x80000000 && v >= -TWO_POW_53) return BigInt(v);
  return v;
}

const packr = new Packr({ useRecords: false, variableMapSize: true, useFloat32: 0 });
// 'auto': 64-bit integers that are exact as numbers become numbers, the rest bigint (so an ID
// check rejects them instead of a rounded value passing).
// ('auto' exists in msgpackr 1.10+ but is missing from its type declarations.)
const unpackr = new Unpackr({
  useRecords: false,
  mapsAsObjects: true,
  copyBuffers: true,
  int64AsType: 'auto',
} as unknown as ConstructorParameters<typeof Unpackr>[0]);

/** msgpackr's range option, reused: `unpack` reads it before it decodes anything. */
const range = { start: 0, end: 0 };

const msgpackCodec: BinaryCodec = {
  name: 'msgpack',
  encode: (array) => packr.pack(mapLeaves(array, widenInteger)),
  decode: (bytes) => unpackr.unpack(bytes),
  decodeRange(bytes, start, end) {
    range.start = start;
    range.end = end;
    return unpackr.unpack(bytes, range);
  },
};

/**
 * Creates the MessagePack serializer.
 *
 * @example
 * const msgpack = createMsgpackSerializer({ batched: true });
 * const frame = msgpack.joinFrames([msgpack.encode(a), msgpack.encode(b)]);
 */
export function createMsgpackSerializer(options: SerializerOptions = {}): Serializer {
  return createBinarySerializer(msgpackCodec, options);
}
