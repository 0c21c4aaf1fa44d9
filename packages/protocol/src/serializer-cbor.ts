/**
 * `wamp.2.cbor` and `wamp.2.cbor.batched` (spec: basic profile "Serializations", "CBOR"),
 * on cbor-x.
 *
 * Configured for WAMP: maps decode to plain objects (no records), Uint8Array is written as a
 * plain byte string (major type 2, no typed-array tag) and decodes to Uint8Array (copied),
 * maps get the shortest length header (so bytes match other CBOR encoders). Bytes that came
 * tagged as a typed array of uint8 (tag 64) keep the tag (cbor-typed-bytes.ts); other tags
 * cbor-x knows come back as its values (typed arrays, dates, sets), unknown ones as `Tag` objects
 * that re-encode unchanged (docs/crossbar-migration.md lists what each serializer makes of them).
 *
 * cbor-x writes JS numbers wider than 32 bits as float64, which strict peers reject as IDs;
 * integral numbers there are passed as bigint instead, which cbor-x writes as major type 0 or 1
 * with an 8-byte argument, the shortest integer form for values that wide (and what other CBOR
 * encoders produce, so our bytes equal the test vectors').
 */
import { addExtension, Decoder, Encoder } from 'cbor-x';
import { cborTypedBytesExtension } from './cbor-typed-bytes.js';
import type { Serializer } from './serializer.js';
import { type BinaryCodec, createBinarySerializer } from './serializer-binary.js';
import type { SerializerOptions } from './serializer-common.js';
import { mapLeaves } from './value-walk.js';

// Registers tag 64 with cbor-x: tagged bytes keep their tag through decode and encode.
addExtension(cborTypedBytesExtension);

const TWO_POW_53 = 2 ** 53;

/**
 * Integers cbor-x would write as float64 become bigint, up to 2^53 in magnitude (cbor-x already
 * writes -2^32..2^32-1 as integers). Those decode back to numbers; integral numbers beyond are
 * floats in all but name and stay float64, so they too decode as numbers.
 */
function widenInteger(v: unknown): unknown {
  if (typeof v !== 'number' || !Number.isInteger(v)) return v;
  if ((v > 0xffffffff && v <= TWO_POW_53) || (v < -0x100000000 && v >= -TWO_POW_53)) return BigInt(v);
  return v;
}

/**
 * cbor-x decodes every 8-byte integer (and bignum tags 2 and 3) to bigint; its `int64AsNumber`
 * option corrupts negative ones. So bigints are narrowed here: exact ones to numbers, the rest
 * (beyond +-2^53) stay bigint, so that an ID check rejects them instead of a rounded value passing.
 */
const BIG_TWO_POW_53 = 2n ** 53n;
function narrowInteger(v: unknown): unknown {
  if (typeof v !== 'bigint') return v;
  // Up to 2^53 inclusive, like msgpackr's 'auto': 2^53 is exact and the largest WAMP ID.
  return v <= BIG_TWO_POW_53 && v >= -BIG_TWO_POW_53 ? Number(v) : v;
}

/** Whether the frame may hold an 8-byte integer (initial bytes 0x1b, 0x3b) or a bignum (0xc2, 0xc3). */
function mayHoldWideInteger(bytes: Uint8Array): boolean {
  return bytes.includes(0x1b) || bytes.includes(0x3b) || bytes.includes(0xc2) || bytes.includes(0xc3);
}

const encoder = new Encoder({
  useRecords: false,
  mapsAsObjects: true,
  tagUint8Array: false,
  variableMapSize: true,
  useFloat32: 0,
});
const decoder = new Decoder({ useRecords: false, mapsAsObjects: true, copyBuffers: true } as ConstructorParameters<
  typeof Decoder
>[0]);

const cborCodec: BinaryCodec = {
  name: 'cbor',
  encode: (array) => encoder.encode(mapLeaves(array, widenInteger)),
  decode: (bytes) => {
    const value: unknown = decoder.decode(bytes);
    return mayHoldWideInteger(bytes) ? mapLeaves(value, narrowInteger) : value;
  },
};

/**
 * Creates the CBOR serializer.
 *
 * @example
 * const cbor = createCborSerializer();
 * const [msg] = cbor.decode(cbor.encode({ type: 'PUBLISHED', requestId: 1, publication: 2 }));
 */
export function createCborSerializer(options: SerializerOptions = {}): Serializer {
  return createBinarySerializer(cborCodec, options);
}
