import { Tag } from 'cbor-x';
import { decode as decodeMsgpack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { CborTypedBytes } from '../src/cbor-typed-bytes.js';
import { ProtocolViolationError } from '../src/errors.js';
import type { MessageOf } from '../src/messages.js';
import { createSerializer } from '../src/serializers.js';

const cbor = createSerializer('cbor');
const hex = (bytes: Uint8Array | string) => Buffer.from(bytes as Uint8Array).toString('hex');
const fromHex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));
/** [36, 1, 2, {}, ARGS] with ARGS given as CBOR hex: an EVENT as another CBOR peer writes it. */
const eventWith = (argsHex: string) => fromHex(`8518240102a0${argsHex}`);

describe('CBOR tags kept end to end', () => {
  it('decodes tag 64 to CborTypedBytes and writes it back under tag 64, plain bytes plainly', () => {
    // [h'0102' tagged 64, h'0304' plain]
    const frame = eventWith('82d84042010242' + '0304');
    const [event] = cbor.decode(frame) as MessageOf<'EVENT'>[];
    const [tagged, plain] = event?.args ?? [];
    expect(tagged).toBeInstanceOf(CborTypedBytes);
    expect(tagged).toBeInstanceOf(Uint8Array);
    expect(plain?.constructor).toBe(Uint8Array);
    expect(hex(cbor.encode(event as MessageOf<'EVENT'>))).toBe(hex(frame));
  });

  it('keeps other typed arrays and unknown tags', () => {
    // [Float32Array [1] (tag 85, little endian), tag 1234 "x"]
    const frame = eventWith('82d855440000803fd904d26178');
    const [event] = cbor.decode(frame) as MessageOf<'EVENT'>[];
    expect(event?.args?.[0]).toEqual(new Float32Array([1]));
    expect(event?.args?.[1]).toEqual(new Tag('x', 1234));
    expect(hex(cbor.encode(event as MessageOf<'EVENT'>))).toBe(hex(frame));
  });

  it('refuses tag 64 around anything but a byte string (no allocation by a peer-given length)', () => {
    expect(() => cbor.decode(eventWith('81d8401a3b9aca00'))).toThrow(ProtocolViolationError);
  });

  it('gives JSON and msgpack receivers bytes as bytes and typed arrays as lists of numbers', () => {
    const event: MessageOf<'EVENT'> = {
      type: 'EVENT',
      subscription: 1,
      publication: 2,
      details: {},
      args: [new CborTypedBytes([1, 2]), new Float32Array([0.5]), new BigInt64Array([3n])],
    };
    expect(createSerializer('json').encode(event)).toBe('[36,1,2,{},["\\u0000AQI=",[0.5],[3]]]');
    const packed = decodeMsgpack(createSerializer('msgpack').encode(event) as Uint8Array) as unknown[];
    const [bytes, ...lists] = packed[4] as unknown[];
    expect(Array.from(bytes as Uint8Array)).toEqual([1, 2]);
    expect(lists).toEqual([[0.5], [3]]);
  });
});
