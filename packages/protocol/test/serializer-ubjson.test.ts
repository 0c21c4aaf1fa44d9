/**
 * UBJSON: the bytes Autobahn|Python (py-ubjson) writes and reads, and frames a hostile peer may
 * send. Round trips and random bytes are covered for every serializer in
 * serializer-properties.test.ts and serializers.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolViolationError } from '../src/errors.js';
import type { WampMessage } from '../src/messages.js';
import { createSerializer } from '../src/serializers.js';
// Registers the ubjson serializer (the main entry point leaves it out).
import '../src/ubjson.js';
import { checkUbjsonFrame, UBJSON_MAX_DEPTH } from '../src/ubjson-guard.js';

const ubjson = createSerializer('ubjson');
/** `[U 50 U 17 {} [`: the start of RESULT [50, 17, {}, [...]]. */
const RESULT_PREFIX = '5b553255117b7d5b';
const hex = (h: string) => new Uint8Array(h.match(/../g)?.map((b) => Number.parseInt(b, 16)) ?? []);
const ascii = (s: string) => new Uint8Array([...s].map((c) => c.charCodeAt(0)));
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('UBJSON as Autobahn|Python writes it', () => {
  // RESULT [50, 17, {}, [value]]; each expected frame is what py-ubjson's dumpb produces.
  const RESULT = RESULT_PREFIX;
  it.each([
    [2 ** 40, `${RESULT}4c0000010000000000 5d5d`],
    [-(2 ** 40), `${RESULT}4cffffff0000000000 5d5d`],
    [2 ** 53, `${RESULT}4c0020000000000000 5d5d`],
    [2 ** 32 - 1, `${RESULT}4c00000000ffffffff 5d5d`],
    [-(2 ** 31), `${RESULT}6c80000000 5d5d`],
    [200, `${RESULT}55c8 5d5d`],
    [-100, `${RESULT}699c 5d5d`],
    [40000, `${RESULT}6c00009c40 5d5d`],
    [1.5, `${RESULT}443ff8000000000000 5d5d`],
    [new Uint8Array([0, 255]), `${RESULT}5b245523550200ff 5d5d`],
    ['ü', `${RESULT}535502c3bc 5d5d`],
  ] as const)('writes %o with the same bytes and reads them back', (value, expected) => {
    const message: WampMessage = { type: 'RESULT', requestId: 17, details: {}, args: [value] };
    const frame = ubjson.encode(message) as Uint8Array;
    expect(toHex(frame)).toBe(expected.replace(/ /g, ''));
    expect(ubjson.decode(frame)).toEqual([message]);
  });

  it('reads integers beyond 2^53 (int64 and high-precision) as exact bigints', () => {
    // py-ubjson writes 2^64 - 1 as the high-precision number "18446744073709551615".
    const frame = hex(`${RESULT_PREFIX}4855143138343436373434303733373039353531363135` + '4c0020000000000001' + '5d5d');
    expect(ubjson.decode(frame)).toEqual([
      { type: 'RESULT', requestId: 17, details: {}, args: [2n ** 64n - 1n, 2n ** 53n + 1n] },
    ]);
  });

  it('writes bigints back as int64 or high-precision numbers', () => {
    const message: WampMessage = { type: 'RESULT', requestId: 1, details: {}, args: [2n ** 64n - 1n, -(2n ** 63n)] };
    expect(ubjson.decode(ubjson.encode(message))).toEqual([message]);
  });

  it('rejects an ID beyond 2^53 instead of rounding it', () => {
    const frame = hex('5b5511' + '55014c0020000000000001' + '5d');
    expect(thrown(() => ubjson.decode(frame))).toBeInstanceOf(ProtocolViolationError);
  });

  it('reads strongly typed containers: uint8 as bytes, the others as lists of numbers', () => {
    const frame = hex(`${RESULT_PREFIX}5b245523550201ff` + '5b246c23550200000001ffffffff' + '5d5d');
    const [message] = ubjson.decode(frame) as unknown as [{ args: unknown[] }];
    expect(message.args).toEqual([new Uint8Array([1, 255]), [1, -1]]);
    expect(Object.getPrototypeOf(message.args[0])).toBe(Uint8Array.prototype);
    expect(Array.isArray(message.args[1])).toBe(true);
  });

  it('reads sized objects and skips no-op markers between array elements', () => {
    const frame = ascii('[U\x32U\x11{#U\x01U\x03keyZ[NNU\x05N]]');
    expect(ubjson.decode(frame)).toEqual([{ type: 'RESULT', requestId: 17, details: { key: null }, args: [5] }]);
  });

  it('refuses values the format cannot carry', () => {
    const error = thrown(() => ubjson.encode({ type: 'RESULT', requestId: 1, details: {}, args: [() => 1] }));
    expect(error).toBeInstanceOf(Error);
  });
});

describe('hostile UBJSON', () => {
  // Each would make the decoding library allocate or loop far beyond the frame's size, crash,
  // or decode something else than was sent, were it not refused first.
  it.each([
    ['an array declaring 2^26 elements it does not hold', ascii('[#l\x04\x00\x00\x00')],
    ['a typed null array declaring 2^26 elements', ascii('[$Z#l\x04\x00\x00\x00')],
    [
      'typed null arrays declaring more elements together than the frame has bytes',
      ascii(`[${'[$Z#U\x10'.repeat(8)}]`),
    ],
    ['an object declaring 2^26 entries', ascii('{#l\x04\x00\x00\x00')],
    ['a string longer than the frame', ascii('[SU\xff')],
    ['a negative count', ascii('[#i\xff')],
    ['a count that is a float', ascii('[#d\x40\x00\x00\x00i\x01i\x01')],
    ['an int64 count', ascii('[#L\x00\x00\x00\x00\x00\x00\x00\x01i\x01')],
    ['nesting deeper than the limit', ascii(`${'['.repeat(UBJSON_MAX_DEPTH + 2)}${']'.repeat(UBJSON_MAX_DEPTH + 2)}`)],
    ['100,000 levels of nesting', ascii(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)],
    ['an unterminated array', ascii('[U\x06{}')],
    ['trailing bytes', ascii('[U\x06{}SU\x01x]Z')],
    ['a __proto__ key', ascii('[U\x32U\x11{U\x09__proto__{U\x01xT}}]')],
    ['a no-op at the top', ascii('N[U\x06{}SU\x01x]')],
    ['a no-op inside an object', ascii('[U\x06{NU\x01xT}SU\x01x]')],
    ['a char beyond ASCII', ascii('[U\x06{}C\xff]')],
    ['an unknown marker', ascii('[U\x06{}Q]')],
    ['a typed container without a count', ascii('[$U\x01\x02]')],
    ['a no-op as element type', ascii('[$N#U\x02')],
    ['an empty frame', new Uint8Array(0)],
    ['a text frame', '[6, {}, "wamp.close.normal"]'],
    ['a high-precision number that is not one', ascii('[U\x32U\x11{}[HU\x03abc]]')],
    ['a high-precision number of 1,000 digits', ascii(`[U\x32U\x11{}[HI\x03\xe8${'9'.repeat(1000)}]]`)],
  ] as const)('refuses %s with ProtocolViolationError', (_label, frame) => {
    expect(thrown(() => ubjson.decode(frame))).toBeInstanceOf(ProtocolViolationError);
  });

  it('refuses the same in the batched form, and a batch with one bad message', () => {
    const batched = createSerializer('ubjson', { batched: true });
    const good = batched.encode({ type: 'GOODBYE', details: {}, reason: 'wamp.close.normal' }) as Uint8Array;
    const bad = ascii('[#l\x04\x00\x00\x00');
    const frame = new Uint8Array(good.length + 4 + bad.length);
    frame.set(good);
    new DataView(frame.buffer).setUint32(good.length, bad.length);
    frame.set(bad, good.length + 4);
    expect(thrown(() => batched.decode(frame))).toBeInstanceOf(ProtocolViolationError);
  });

  // Bytes drawn mostly from UBJSON's markers reach deep into the grammar, unlike uniform noise.
  const markerBytes = fc.uint8Array({ maxLength: 48 }).chain((noise) =>
    fc
      .array(fc.constantFrom(...'[]{}$#NZTFiUIlLdDCSH'.split(''), '\x00', '\x01', '\x03', '\x7f', '\xff'), {
        maxLength: 48,
      })
      .map((chars) => new Uint8Array([...ascii(chars.join('')), ...noise.slice(0, 4)])),
  );

  it('any frame either passes the check and decodes within a bounded size, or is a violation', () => {
    fc.assert(
      fc.property(markerBytes, (frame) => {
        let passed = true;
        try {
          checkUbjsonFrame(frame);
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolViolationError);
          passed = false;
        }
        try {
          ubjson.decode(frame);
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolViolationError);
        }
        if (passed) {
          // What passed the structural check decodes to no more elements than the frame has bytes
          // (times a small factor), or is refused for its content as a violation: the check does not
          // read values, so a high-precision number `HU\x03[[f` passes it and the decoder refuses it.
          let decoded: unknown;
          try {
            decoded = decodeLoose(frame);
          } catch (error) {
            expect(error).toBeInstanceOf(ProtocolViolationError);
            return;
          }
          expect(countElements(decoded)).toBeLessThanOrEqual(frame.length * 2 + 2);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

/** Decodes without message validation, to look at the raw value. */
function decodeLoose(frame: Uint8Array): unknown {
  const batched = createSerializer('ubjson', { batched: true });
  // Wrap the frame as a one-message batch of a RESULT whose argument it is: the message check
  // then accepts any value, and we can count what the decoder built.
  const wrapped = new Uint8Array([...hex(RESULT_PREFIX), ...frame, 0x5d, 0x5d]);
  const framed = new Uint8Array(4 + wrapped.length);
  new DataView(framed.buffer).setUint32(0, wrapped.length);
  framed.set(wrapped, 4);
  const [message] = batched.decode(framed) as unknown as [{ args: unknown[] }];
  return message.args[0];
}

function countElements(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + countElements(v), 1);
  if (value instanceof Uint8Array) return 1;
  if (typeof value === 'object' && value !== null) {
    return Object.values(value).reduce((n: number, v) => n + countElements(v), 1);
  }
  return 1;
}
