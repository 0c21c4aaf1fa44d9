/**
 * UBJSON (Draft 12) encoding of WAMP's wire arrays.
 *
 * Decoding uses @shelacek/ubjson (serializer-ubjson.ts); encoding cannot: that library has no
 * int64 writer and writes every integer beyond 32 bits as float32 or float64, so a session or
 * request ID (up to 2^53) would reach Autobahn|Python as a float, which it refuses as an ID.
 * What is written here is what py-ubjson (Autobahn|Python's codec) writes for the same values:
 * integers in the smallest of `i U I l L`, other numbers as float64 `D`, integers beyond int64
 * as high-precision `H`, bytes as the optimized container `[$U#`, and containers unsized.
 */
import { isNumericTypedArray } from './message-fields.js';

const TWO_POW_53 = 2 ** 53;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const textEncoder = new TextEncoder();

/** A growable output buffer. */
class Writer {
  #bytes = new Uint8Array(256);
  #view = new DataView(this.#bytes.buffer);
  length = 0;

  /**
   * Makes room for `n` bytes and returns where they go. It may replace the buffer, so callers
   * take the offset first and only then touch `#bytes` or `#view`.
   */
  #reserve(n: number): number {
    const at = this.length;
    if (at + n > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(this.#bytes.length * 2, at + n));
      grown.set(this.#bytes.subarray(0, at));
      this.#bytes = grown;
      this.#view = new DataView(grown.buffer);
    }
    this.length = at + n;
    return at;
  }

  marker(char: string): void {
    const at = this.#reserve(1);
    this.#bytes[at] = char.charCodeAt(0);
  }

  int(value: number): void {
    // uint8 before int8, as py-ubjson chooses, so our bytes equal Autobahn|Python's.
    if (value >= 0 && value <= 255) {
      this.marker('U');
      const at = this.#reserve(1);
      this.#view.setUint8(at, value);
    } else if (value >= -128 && value <= 127) {
      this.marker('i');
      const at = this.#reserve(1);
      this.#view.setInt8(at, value);
    } else if (value >= -32768 && value <= 32767) {
      this.marker('I');
      const at = this.#reserve(2);
      this.#view.setInt16(at, value);
    } else if (value >= -2147483648 && value <= 2147483647) {
      this.marker('l');
      const at = this.#reserve(4);
      this.#view.setInt32(at, value);
    } else {
      this.int64(BigInt(value));
    }
  }

  int64(value: bigint): void {
    this.marker('L');
    const at = this.#reserve(8);
    this.#view.setBigInt64(at, value);
  }

  float64(value: number): void {
    this.marker('D');
    const at = this.#reserve(8);
    this.#view.setFloat64(at, value);
  }

  /** A string body: its length as an integer, then its UTF-8 bytes. */
  text(value: string): void {
    this.raw(textEncoder.encode(value), true);
  }

  /** Bytes with their length in front (`counted`), or just the bytes. */
  raw(bytes: Uint8Array, counted: boolean): void {
    if (counted) this.int(bytes.length);
    const at = this.#reserve(bytes.length);
    this.#bytes.set(bytes, at);
  }

  result(): Uint8Array {
    return this.#bytes.slice(0, this.length);
  }
}

function writeValue(out: Writer, value: unknown): void {
  switch (typeof value) {
    case 'boolean':
      out.marker(value ? 'T' : 'F');
      return;
    case 'number':
      if (Number.isInteger(value) && Math.abs(value) <= TWO_POW_53) out.int(value);
      else out.float64(value);
      return;
    case 'bigint':
      if (value >= INT64_MIN && value <= INT64_MAX) {
        if (value >= -TWO_POW_53 && value <= TWO_POW_53) out.int(Number(value));
        else out.int64(value);
      } else {
        out.marker('H');
        out.text(value.toString());
      }
      return;
    case 'string':
      out.marker('S');
      out.text(value);
      return;
    case 'object':
      break;
    default:
      // `undefined` in an array becomes null, as JSON.stringify does; functions, symbols: refused.
      if (value === undefined) {
        out.marker('Z');
        return;
      }
      throw new TypeError(`a ${typeof value} cannot be encoded as UBJSON`);
  }
  if (value === null) {
    out.marker('Z');
  } else if (value instanceof Uint8Array) {
    // Binary as Autobahn|Python (py-ubjson) writes and reads `bytes`: a strongly typed uint8 array.
    out.marker('[');
    out.marker('$');
    out.marker('U');
    out.marker('#');
    out.raw(value, true);
  } else if (Array.isArray(value) || isNumericTypedArray(value)) {
    // Other typed arrays (a CBOR peer's RFC 8746 tags) go out as lists of numbers, as in msgpack.
    out.marker('[');
    for (const item of value as Iterable<unknown>) writeValue(out, item);
    out.marker(']');
  } else if (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) {
    out.marker('{');
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue; // as JSON.stringify: an undefined field is absent
      out.text(key);
      writeValue(out, item);
    }
    out.marker('}');
  } else {
    throw new TypeError(`a ${value.constructor?.name ?? 'object'} cannot be encoded as UBJSON`);
  }
}

/**
 * Encodes one value as UBJSON.
 * @throws TypeError for values UBJSON cannot carry (functions, symbols, class instances).
 *
 * @example
 * encodeUbjson([36, 1, 2]); // bytes of `[ i 36 i 1 i 2 ]`
 */
export function encodeUbjson(value: unknown): Uint8Array {
  const out = new Writer();
  writeValue(out, value);
  return out.result();
}
