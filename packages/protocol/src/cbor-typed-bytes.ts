/**
 * Bytes that travel as a CBOR typed array of uint8 (RFC 8746 tag 64) keep that tag.
 *
 * CBOR writes bytes two ways: a plain byte string, or a byte string under tag 64 (a typed array
 * of uint8). Peers tell them apart: Autobahn|JS (on the `cbor` package) sends a `Uint8Array` as
 * tag 64 and a Node `Buffer` as a plain byte string, and decodes them back the same way. A router
 * that re-encodes every byte string plainly turns the caller's `Uint8Array` into the callee's
 * `Buffer`. So a tagged byte string decodes to a {@link CborTypedBytes} (a `Uint8Array`, so
 * everything that takes bytes takes it) and encodes back under tag 64; a plain one stays plain.
 *
 * cbor-x keeps its tag extensions in one registry per process; registering tag 64 (done by
 * serializer-cbor.ts, so a bundle without the CBOR serializer holds no cbor-x) changes
 * what every cbor-x decoder in the process makes of it: a `CborTypedBytes`, still a `Uint8Array`
 * with the same bytes. The encoding side is keyed by this class, so it touches no other value.
 */
/** The CBOR tag of a typed array of uint8 (RFC 8746 section 2.1). */
export const CBOR_UINT8_ARRAY_TAG = 64;

/**
 * Bytes that arrived as, and are sent as, a CBOR typed array of uint8 (tag 64). Other serializers
 * treat them as any bytes (JSON: a NUL and base64; msgpack: `bin`). An application may create one
 * to send tag 64 on purpose.
 *
 * @example
 * const tagged = new CborTypedBytes([1, 2, 3]);
 * tagged instanceof Uint8Array; // true
 */
export class CborTypedBytes extends Uint8Array {}

/** The cbor-x extension for tag 64, which serializer-cbor.ts registers. */
export const cborTypedBytesExtension = {
  Class: CborTypedBytes,
  tag: CBOR_UINT8_ARRAY_TAG,
  // The bytes go out as a plain byte string under the tag. An ArrayBuffer is written as exactly
  // that by every cbor-x encoder, whatever its `tagUint8Array` setting (a Uint8Array might get a
  // second tag 64 from an encoder that tags them).
  encode(value: CborTypedBytes, encode: (data: ArrayBuffer) => Uint8Array) {
    const whole = value.byteOffset === 0 && value.byteLength === value.buffer.byteLength;
    return encode(
      (whole ? value.buffer : value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength)) as ArrayBuffer,
    );
  },
  decode(bytes: unknown) {
    // Only a byte string may be tagged so: `new CborTypedBytes(n)` of a peer's number would
    // allocate n bytes. The throw becomes the serializer's protocol violation.
    if (!(bytes instanceof Uint8Array)) throw new TypeError('CBOR tag 64 must tag a byte string');
    return new CborTypedBytes(bytes);
  },
};
