import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, ProtocolViolationError } from '../src/errors.js';
import type { WampMessage } from '../src/messages.js';
import type { Frame, Serializer, SerializerName } from '../src/serializer.js';
import { AUTOBAHN_JSON_BATCH_SEPARATOR, JSON_BATCH_SEPARATOR, jsonBatchSeparatorOf } from '../src/serializer-json.js';
import { createSerializer, SUBPROTOCOLS, serializerForSubprotocol } from '../src/serializers.js';
// Registers the ubjson serializer (the main entry point leaves it out).
import '../src/ubjson.js';

const NAMES: SerializerName[] = ['json', 'msgpack', 'cbor', 'ubjson'];
const ALL: Serializer[] = NAMES.flatMap((name) => [createSerializer(name), createSerializer(name, { batched: true })]);

const call: WampMessage = {
  type: 'CALL',
  requestId: 2 ** 53,
  options: { timeout: 500 },
  procedure: 'com.example.add',
  args: [1, -(2 ** 40), 2 ** 40, 1.5, 'ü', null, true, new Uint8Array([0, 255])],
  kwargs: { nested: { list: [new Uint8Array([7])] } },
};
const goodbye: WampMessage = { type: 'GOODBYE', details: {}, reason: 'wamp.close.normal' };

const text = (s: string) => new TextEncoder().encode(s);
const hex = (h: string) => new Uint8Array(h.match(/../g)?.map((b) => Number.parseInt(b, 16)) ?? []);

/** Runs `fn` and returns what it threw. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('registry', () => {
  it('offers binary serializers first and batched forms last', () => {
    expect(SUBPROTOCOLS).toEqual([
      'wamp.2.cbor',
      'wamp.2.msgpack',
      'wamp.2.json',
      'wamp.2.ubjson',
      'wamp.2.cbor.batched',
      'wamp.2.msgpack.batched',
      'wamp.2.json.batched',
      'wamp.2.ubjson.batched',
    ]);
  });

  it.each(SUBPROTOCOLS.map((s) => [s]))('serializerForSubprotocol(%j) speaks it', (subprotocol) => {
    const serializer = serializerForSubprotocol(subprotocol);
    expect(serializer?.subprotocol).toBe(subprotocol);
    expect(serializer?.batched).toBe(subprotocol.endsWith('.batched'));
    expect(serializer?.binary).toBe(!subprotocol.startsWith('wamp.2.json'));
  });

  it.each(['wamp.2.flatbuffers', 'wamp.2.json.x', 'wamp.1.json', 'json', ''])(
    'serializerForSubprotocol(%j) is undefined',
    (name) => {
      expect(serializerForSubprotocol(name)).toBeUndefined();
    },
  );

  it('createSerializer names each one', () => {
    for (const name of NAMES) {
      expect(createSerializer(name).name).toBe(name);
      expect(createSerializer(name).subprotocol).toBe(`wamp.2.${name}`);
      expect(createSerializer(name, { batched: true }).subprotocol).toBe(`wamp.2.${name}.batched`);
    }
  });
});

describe.each(ALL.map((s) => [s.subprotocol, s] as const))('%s', (_name, serializer) => {
  it('round-trips a message with every kind of value', () => {
    const frame = serializer.encode(call);
    expect(typeof frame === 'string').toBe(!serializer.binary);
    const [decoded] = serializer.decode(frame);
    expect(decoded).toEqual(call);
    // Binary comes back as plain Uint8Array, whatever the platform.
    const args = (decoded as { args: unknown[] }).args;
    expect(Object.getPrototypeOf(args[7])).toBe(Uint8Array.prototype);
  });

  it('decodes a frame given as a Node Buffer', () => {
    const frame = serializer.encode(goodbye);
    const buffer = typeof frame === 'string' ? Buffer.from(frame) : Buffer.from(frame);
    expect(serializer.decode(buffer)).toEqual([goodbye]);
  });

  it('joins encoded messages into one frame', () => {
    if (serializer.batched) {
      const frame = serializer.joinFrames([
        serializer.encode(call),
        serializer.encode(goodbye),
        serializer.encode(call),
      ]);
      expect(serializer.decode(frame)).toEqual([call, goodbye, call]);
    } else {
      const one = serializer.encode(goodbye);
      expect(serializer.joinFrames([one])).toEqual(one);
      expect(thrown(() => serializer.joinFrames([one, one]))).toBeInstanceOf(InvalidArgumentError);
    }
  });

  it('refuses to encode what the format cannot carry, with InvalidArgumentError', () => {
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    const error = thrown(() => serializer.encode({ type: 'RESULT', requestId: 1, details: {}, args: cyclic }));
    expect(error).toBeInstanceOf(InvalidArgumentError);
  });
});

describe('JSON binary convention', () => {
  const json = createSerializer('json');

  it('sends bytes as a NUL-prefixed base64 string', () => {
    const frame = json.encode({ type: 'RESULT', requestId: 1, details: {}, args: [new Uint8Array([1, 2, 3])] });
    expect(frame).toBe('[50,1,{},["\\u0000AQID"]]');
  });

  it('decodes NUL-prefixed strings to Uint8Array, anywhere in the payload', () => {
    const [msg] = json.decode('[50,1,{},[{"a":["\\u0000AQID"]}],{"b":"\\u0000"}]');
    expect(msg).toEqual({
      type: 'RESULT',
      requestId: 1,
      details: {},
      args: [{ a: [new Uint8Array([1, 2, 3])] }],
      kwargs: { b: new Uint8Array(0) },
    });
  });

  it('leaves other strings alone, even with a NUL inside', () => {
    const [msg] = json.decode('[50,1,{},["a\\u0000b"]]');
    expect(msg).toEqual({ type: 'RESULT', requestId: 1, details: {}, args: ['a\u0000b'] });
  });

  it('rejects a NUL-prefixed string that is not base64', () => {
    const error = thrown(() => json.decode('[50,1,{},["\\u0000not base64!"]]'));
    expect(error).toBeInstanceOf(ProtocolViolationError);
  });

  it('writes bigint as the nearest number', () => {
    expect(json.encode({ type: 'RESULT', requestId: 1, details: {}, args: [5n, 2n ** 64n] })).toBe(
      '[50,1,{},[5,18446744073709552000]]',
    );
  });
});

describe('integer encoding in binary serializers', () => {
  // Integers wider than 32 bits must go out as integers, not float64: strict peers check types.
  // Each frame is RESULT [50, 17, {}, [value]].
  it.each([
    ['msgpack', 2 ** 40, '94321180' + '91cf0000010000000000'],
    ['msgpack', -(2 ** 40), '94321180' + '91d3ffffff0000000000'],
    ['msgpack', 2 ** 53, '94321180' + '91cf0020000000000000'],
    ['msgpack', 2 ** 32 - 1, '94321180' + '91ceffffffff'],
    // Both 32-bit halves of the uint 64 in use (msgpack writes it as two halves).
    ['msgpack', 2 ** 53 - 1, '94321180' + '91cf001fffffffffffff'],
    ['msgpack', 0x12_3456_789a_bcde, '94321180' + '91cf00123456789abcde'],
    ['msgpack', -(2 ** 31), '94321180' + '91d280000000'],
    ['cbor', 2 ** 40, '84183211a0' + '811b0000010000000000'],
    ['cbor', -(2 ** 40), '84183211a0' + '813b000000ffffffffff'],
    ['cbor', 2 ** 53, '84183211a0' + '811b0020000000000000'],
    ['cbor', 2 ** 32 - 1, '84183211a0' + '811affffffff'],
  ] as const)('%s writes %d as an integer', (name, value, expectedHex) => {
    const serializer = createSerializer(name);
    const message: WampMessage = { type: 'RESULT', requestId: 17, details: {}, args: [value] };
    const frame = serializer.encode(message) as Uint8Array;
    expect(Buffer.from(frame).toString('hex')).toBe(expectedHex);
    expect(serializer.decode(frame)).toEqual([message]);
  });

  it('msgpack writes each of several wide integers in one message as itself', () => {
    // The encoder keeps the last wide value's wrapper for the next (a registration ID repeats).
    const msgpack = createSerializer('msgpack');
    const wide = [2 ** 40, 2 ** 40, 2 ** 40 + 1, 2 ** 53, 2 ** 40];
    const message: WampMessage = { type: 'RESULT', requestId: 17, details: {}, args: wide };
    expect(msgpack.decode(msgpack.encode(message))).toEqual([message]);
    const invocation: WampMessage = { type: 'INVOCATION', requestId: 1, registration: 2 ** 45 + 3, details: {} };
    expect(msgpack.decode(msgpack.encode(invocation))).toEqual([invocation]);
    expect(msgpack.decode(msgpack.encode({ ...invocation, registration: 2 ** 45 + 4 }))).toEqual([
      { ...invocation, registration: 2 ** 45 + 4 },
    ]);
  });

  it.each(['msgpack', 'cbor'] as const)('%s decodes 64-bit integers beyond 2^53 as bigint, exactly', (name) => {
    const serializer = createSerializer(name);
    const message: WampMessage = {
      type: 'RESULT',
      requestId: 1,
      details: {},
      args: [2n ** 64n - 1n, -(2n ** 63n), 2n ** 53n + 1n],
    };
    expect(serializer.decode(serializer.encode(message))).toEqual([message]);
  });

  it.each(['msgpack', 'cbor'] as const)('%s rejects an ID beyond 2^53 instead of rounding it', (name) => {
    const serializer = createSerializer(name);
    const frame = serializer.encode({
      type: 'PUBLISHED',
      requestId: 1,
      publication: 2n ** 53n + 1n,
    } as unknown as WampMessage);
    expect(thrown(() => serializer.decode(frame))).toBeInstanceOf(ProtocolViolationError);
  });

  it('keeps floats as floats', () => {
    for (const name of ['msgpack', 'cbor'] as const) {
      const serializer = createSerializer(name);
      const message: WampMessage = { type: 'RESULT', requestId: 1, details: {}, args: [0.1, -2.5, 1e300, -1e300] };
      expect(serializer.decode(serializer.encode(message))).toEqual([message]);
    }
  });
});

/** UTF-8 hex of "wamp.close.normal". */
const WAMP_CLOSE_NORMAL = '77616d702e636c6f73652e6e6f726d616c';

/** Frames that are not valid for the serializer; decoding must raise ProtocolViolationError and nothing else. */
const MALFORMED_FRAMES: [serializer: string, label: string, frame: Frame][] = [
  ['wamp.2.json', 'invalid JSON', '[1, "com.realm", {'],
  ['wamp.2.json', 'empty frame', ''],
  ['wamp.2.json', 'JSON that is not a list', '{"type": 1}'],
  ['wamp.2.json', 'JSON number', '42'],
  ['wamp.2.json', 'unknown message code', '[99, 1, {}]'],
  ['wamp.2.json', 'HELLO with a realm that is not a string', '[1, 7, {"roles": {"caller": {}}}]'],
  ['wamp.2.json', 'two JSON values', '[6, {}, "wamp.close.normal"] [6, {}, "wamp.close.normal"]'],
  ['wamp.2.json', 'bytes that are not UTF-8', new Uint8Array([0x5b, 0xff, 0xfe, 0x5d])],
  ['wamp.2.json', 'deeply nested JSON', `${'['.repeat(100_000)}${']'.repeat(100_000)}`],
  ['wamp.2.json.batched', 'empty frame', ''],
  ['wamp.2.json.batched', 'one bad message among good ones', '[6,{},"wamp.close.normal"]\u001e[6,{}]\u001e'],
  ['wamp.2.msgpack', 'text frame', '[6, {}, "wamp.close.normal"]'],
  ['wamp.2.msgpack', 'empty frame', new Uint8Array(0)],
  ['wamp.2.msgpack', 'truncated message', hex('9306')],
  ['wamp.2.msgpack', 'truncated string', hex('930680b177616d70')],
  ['wamp.2.msgpack', 'trailing bytes', hex(`930680b1${WAMP_CLOSE_NORMAL}00`)],
  ['wamp.2.msgpack', 'reserved byte 0xc1', hex('c1')],
  ['wamp.2.msgpack', 'not a list', hex('81a16101')],
  ['wamp.2.msgpack', 'array32 header claiming 4 billion items', hex('ddffffffff01')],
  ['wamp.2.msgpack', 'unknown extension type', hex('d57f0000')],
  ['wamp.2.msgpack', 'extension type 0x57 (used internally for uint 64 writing)', hex('93d5570000800000')],
  ['wamp.2.msgpack', 'unknown message code', hex('92cc6301')],
  ['wamp.2.cbor', 'text frame', '[6, {}, "wamp.close.normal"]'],
  ['wamp.2.cbor', 'empty frame', new Uint8Array(0)],
  ['wamp.2.cbor', 'truncated message', hex('8306a0')],
  ['wamp.2.cbor', 'reserved additional info', hex('1c')],
  ['wamp.2.cbor', 'trailing bytes', hex(`8306a071${WAMP_CLOSE_NORMAL}00`)],
  ['wamp.2.cbor', 'break outside indefinite item', hex('ff')],
  ['wamp.2.cbor', 'array header claiming 2^64 items', hex('9bffffffffffffffff01')],
  ['wamp.2.cbor', 'not a list', hex('a1616101')],
  ['wamp.2.cbor', 'HELLO with a realm that is not a string', hex('830107a0')],
  ['wamp.2.msgpack.batched', 'length prefix cut short', hex('000000')],
  ['wamp.2.msgpack.batched', 'length beyond the frame', hex('00000009930680a0')],
  ['wamp.2.msgpack.batched', 'zero length', hex('00000000')],
  ['wamp.2.msgpack.batched', 'empty frame', new Uint8Array(0)],
  ['wamp.2.cbor.batched', 'second message cut short', hex('0000000483110102' + '00000004831101')],
  ['wamp.2.cbor.batched', 'text frame', 'abc'],
];

describe('malformed frames', () => {
  it.each(MALFORMED_FRAMES)('%s: %s raises ProtocolViolationError', (subprotocol, _label, frame) => {
    const serializer = serializerForSubprotocol(subprotocol);
    expect(serializer).toBeDefined();
    const error = thrown(() => serializer?.decode(frame));
    expect(error).toBeInstanceOf(ProtocolViolationError);
  });

  it('keeps the underlying parser error as the cause', () => {
    const error = thrown(() => createSerializer('json').decode('[1,')) as ProtocolViolationError;
    expect(error.cause).toBeInstanceOf(SyntaxError);
    expect(error.field).toBe('frame');
  });

  it('names the field of a malformed message inside a valid frame', () => {
    const error = thrown(() => createSerializer('json').decode('[1, 7, {"roles": {"caller": {}}}]'));
    expect((error as Error).message).toContain('realm');
  });

  it('accepts a final batched JSON message without its separator', () => {
    const json = createSerializer('json', { batched: true });
    expect(json.decode('[6,{},"wamp.close.normal"]\u001e[6,{},"wamp.close.normal"]')).toHaveLength(2);
  });

  it('decodes JSON text given as UTF-8 bytes', () => {
    expect(createSerializer('json').decode(text('[6,{},"wamp.close.normal"]'))).toEqual([goodbye]);
  });
});

describe('wamp.2.json.batched separators', () => {
  const goodbyeText = '[6,{},"wamp.close.normal"]';

  it("reads Autobahn|Python's 0x18 separator as well as the spec's 0x1e", () => {
    const json = createSerializer('json', { batched: true });
    expect(json.decode(`${goodbyeText}\u0018${goodbyeText}\u0018`)).toEqual([goodbye, goodbye]);
    expect(json.decode(text(`${goodbyeText}\u0018`))).toEqual([goodbye]);
    expect(json.decode(`${goodbyeText}\u001e${goodbyeText}\u001e`)).toEqual([goodbye, goodbye]);
  });

  it('writes the separator it is given, the spec one by default', () => {
    const spec = createSerializer('json', { batched: true });
    const autobahn = createSerializer('json', { batched: true, batchSeparator: AUTOBAHN_JSON_BATCH_SEPARATOR });
    expect(spec.joinFrames([spec.encode(goodbye), spec.encode(goodbye)])).toBe(
      `${goodbyeText}\u001e${goodbyeText}\u001e`,
    );
    expect(autobahn.joinFrames([autobahn.encode(goodbye)])).toBe(`${goodbyeText}\u0018`);
    expect(serializerForSubprotocol('wamp.2.json.batched', { batchSeparator: '\u0018' })?.encode(goodbye)).toBe(
      `${goodbyeText}\u0018`,
    );
  });

  it('tells which separator a frame uses, text or bytes', () => {
    expect(jsonBatchSeparatorOf(`${goodbyeText}\u0018`)).toBe(AUTOBAHN_JSON_BATCH_SEPARATOR);
    expect(jsonBatchSeparatorOf(text(`${goodbyeText}\u0018`))).toBe(AUTOBAHN_JSON_BATCH_SEPARATOR);
    expect(jsonBatchSeparatorOf(text(`${goodbyeText}\u001e`))).toBe(JSON_BATCH_SEPARATOR);
    expect(jsonBatchSeparatorOf(goodbyeText)).toBeUndefined();
  });
});
