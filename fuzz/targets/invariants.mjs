/**
 * What every fuzz target asserts: an input either gives a result or fails with the typed error
 * its decoder documents. Anything else (a TypeError, a RangeError, a hang, output larger than the
 * input allows) is a finding, reported as an {@link InvariantError} or as the error itself.
 */
import { isDeepStrictEqual } from 'node:util';

/** `value` with each Date replaced by `{ date: time }`, for {@link checkEqual}; the rest as it is. */
function comparable(value) {
  if (value instanceof Date) return { date: value.getTime() };
  if (Array.isArray(value)) return value.map(comparable);
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [comparable(k), comparable(v)]));
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return value;
  // Plain objects and class instances (a CBOR Tag) alike: same prototype, members compared.
  const copy = Object.create(Object.getPrototypeOf(value));
  // defineProperty: a decoded own key `__proto__` must stay a key, not set the prototype.
  for (const key of Object.keys(value)) {
    Object.defineProperty(copy, key, {
      value: comparable(value[key]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}

/** A property the code under test broke for one input. */
export class InvariantError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = 'InvariantError';
  }
}

/** Throws an {@link InvariantError} with `message` unless `condition` holds. */
export function check(condition, message) {
  if (!condition) throw new InvariantError(message);
}

/**
 * Throws unless `a` and `b` are deeply equal; `what` names them in the message. Dates compare by
 * their time with NaN equal to NaN: Node 20's isDeepStrictEqual holds two invalid Dates unequal
 * (it compares their times with `!==`), though an invalid Date is what a CBOR date tag around a
 * value that is no date decodes to, and it encodes and decodes to itself (found by Jazzer.js).
 */
export function checkEqual(a, b, what) {
  if (!isDeepStrictEqual(comparable(a), comparable(b))) {
    throw new InvariantError(`${what} differ:\n${JSON.stringify(a, hexBytes)}\n${JSON.stringify(b, hexBytes)}`);
  }
}

/** Rethrows `error` unless it is an instance of one of `expected` (the errors a decoder documents). */
export function expectOnly(error, ...expected) {
  if (expected.some((type) => error instanceof type)) return;
  throw error;
}

/** Split points of `data` chosen by its own bytes, so a fuzzer can steer them (sorted, in range). */
export function splitPoints(data, count) {
  if (data.length < 2) return [];
  const points = new Set();
  for (let i = 0; i < count && i < data.length; i++)
    points.add((data[data.length - 1 - i] * 257 + i * 131) % data.length);
  return [...points].filter((p) => p > 0).sort((a, b) => a - b);
}

/** `data` cut at `points` into fresh copies (decoders may keep or change what they are given). */
export function chunksOf(data, points) {
  const chunks = [];
  let at = 0;
  for (const point of [...points, data.length]) {
    chunks.push(Buffer.from(data.subarray(at, point)));
    at = point;
  }
  return chunks;
}

function hexBytes(_key, value) {
  if (value instanceof Uint8Array) return `<${Buffer.from(value).toString('hex')}>`;
  if (value?.type === 'Buffer' && Array.isArray(value.data)) return `<${Buffer.from(value.data).toString('hex')}>`;
  return value;
}
