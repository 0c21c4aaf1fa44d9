/**
 * `wamp.2.ubjson` and `wamp.2.ubjson.batched` (spec: basic profile "Serializations" lists UBJSON
 * beside JSON, MessagePack and CBOR; RawSocket serializer ID 4), decoding with @shelacek/ubjson.
 *
 * The batched form prefixes each message with its length as a 4-byte big-endian integer, as
 * for msgpack and CBOR; Autobahn|Python frames `ubjson.batched` the same way.
 *
 * Decoding runs in two steps: ubjson-guard.ts first checks the frame's structure and declared
 * sizes (the library trusts them), then the library builds the value. Its options are chosen for
 * WAMP: strongly typed uint8 arrays (`[$U#`, how Autobahn|Python sends `bytes`) decode to
 * Uint8Array, other typed containers to plain lists; int64 (`L`) and high-precision numbers
 * (`H`) decode to numbers when exact, to bigint otherwise (so an ID check refuses a value beyond
 * 2^53 instead of passing a rounded one), as the CBOR serializer does. Encoding is
 * ubjson-encoder.ts, because the library writes integers beyond 32 bits as floats.
 */
import { decode as decodeUbjsonValue, type UbjsonDecoderOptions } from '@shelacek/ubjson';
import type { Serializer } from './serializer.js';
import { type BinaryCodec, createBinarySerializer } from './serializer-binary.js';
import type { SerializerOptions } from './serializer-common.js';
import { encodeUbjson } from './ubjson-encoder.js';
import { checkUbjsonFrame } from './ubjson-guard.js';
import { mapLeaves } from './value-walk.js';

const BIG_TWO_POW_53 = 2n ** 53n;

/** Exact integers become numbers; the rest stay bigint (see above). */
function narrow(value: bigint): number | bigint {
  return value <= BIG_TWO_POW_53 && value >= -BIG_TWO_POW_53 ? Number(value) : value;
}

/** High-precision numbers longer than this are refused: BigInt parsing is superlinear in length. */
const MAX_HIGH_PRECISION_DIGITS = 400;
const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const textDecoder = new TextDecoder();

const decodeOptions: UbjsonDecoderOptions = {
  useTypedArrays: true,
  int64Handling: ({ view }, offset) => narrow(view.getBigInt64(offset)),
  highPrecisionNumberHandling: ({ array }, offset, byteLength) => {
    if (byteLength > MAX_HIGH_PRECISION_DIGITS) {
      throw new RangeError(`a high-precision number of ${byteLength} characters is too long`);
    }
    const text = textDecoder.decode(array.subarray(offset, offset + byteLength));
    if (INTEGER.test(text)) return narrow(BigInt(text));
    if (DECIMAL.test(text)) return Number(text);
    throw new RangeError(`'${text}' is not a high-precision number`);
  },
};

/** Typed containers other than uint8 (`[$i#`, `[$l#`, ...) are lists of numbers to WAMP. */
function plainLists(value: unknown): unknown {
  return ArrayBuffer.isView(value) && !(value instanceof Uint8Array) ? Array.from(value as Int8Array) : value;
}

const DOLLAR = 0x24;

/**
 * Decodes one UBJSON value that spans all of `bytes`, checked first (ubjson-guard.ts).
 * @throws ProtocolViolationError when the structure is malformed or its sizes are not bounded;
 *   other errors (RangeError, Error) when the decoder refuses a value. Callers wrap both.
 *
 * @example
 * decodeUbjson(encodeUbjson({ args: [1] })); // { args: [1] }
 */
export function decodeUbjson(bytes: Uint8Array): unknown {
  checkUbjsonFrame(bytes);
  // The library copies a Uint8Array it is given, so the byte arrays it returns are views
  // into that private copy, never into the transport's (pooled) buffer.
  const value: unknown = decodeUbjsonValue(bytes as unknown as ArrayBuffer, decodeOptions);
  return bytes.includes(DOLLAR) ? mapLeaves(value, plainLists) : value;
}

const ubjsonCodec: BinaryCodec = { name: 'ubjson', encode: encodeUbjson, decode: decodeUbjson };

/**
 * Creates the UBJSON serializer.
 *
 * @example
 * const ubjson = createUbjsonSerializer();
 * const [msg] = ubjson.decode(ubjson.encode({ type: 'PUBLISHED', requestId: 1, publication: 2 }));
 */
export function createUbjsonSerializer(options: SerializerOptions = {}): Serializer {
  return createBinarySerializer(ubjsonCodec, options);
}
