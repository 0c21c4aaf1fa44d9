import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeRawSocketHandshake,
  encodeRawSocketFrame,
  encodeRawSocketFrameHeader,
  encodeRawSocketHandshake,
  encodeRawSocketHandshakeError,
  RAWSOCKET_MAX_LENGTH,
  RawSocketDecoder,
  RawSocketError,
  type RawSocketEvent,
  RawSocketFrameType,
  type RawSocketFrameTypeValue,
  RawSocketHandshakeError,
  rawSocketErrorText,
  rawSocketLengthExponent,
  rawSocketMaxLength,
  rawSocketSerializerId,
  rawSocketSerializerName,
} from '../src/rawsocket-framing.js';

const bytes = (...values: number[]) => Uint8Array.from(values);

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Feeds `stream` to a fresh decoder cut at `cuts` and returns every event. */
function decodeInPieces(stream: Uint8Array, cuts: number[], expectHandshake = true): RawSocketEvent[] {
  const decoder = new RawSocketDecoder({ expectHandshake });
  const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
  const events: RawSocketEvent[] = [];
  let start = 0;
  for (const point of [...points, stream.length]) {
    events.push(...decoder.push(stream.subarray(start, point)));
    start = point;
  }
  expect(decoder.buffered).toBe(0);
  return events;
}

describe('RawSocket handshake', () => {
  it('encodes the magic octet, LENGTH and SERIALIZER nibbles and zero reserved octets', () => {
    expect(encodeRawSocketHandshake(1, 15)).toEqual(bytes(0x7f, 0xf1, 0, 0));
    expect(encodeRawSocketHandshake(2, 0)).toEqual(bytes(0x7f, 0x02, 0, 0));
    expect(() => encodeRawSocketHandshake(0, 1)).toThrow(RangeError);
    expect(() => encodeRawSocketHandshake(1, 16)).toThrow(RangeError);
  });

  it('decodes requests and replies', () => {
    expect(decodeRawSocketHandshake(bytes(0x7f, 0xf1, 0, 0))).toEqual({
      kind: 'accept',
      serializerId: 1,
      lengthExponent: 15,
      maxLength: 2 ** 24,
    });
    expect(decodeRawSocketHandshake(bytes(0x7f, 0x83, 0, 0))).toEqual({
      kind: 'accept',
      serializerId: 3,
      lengthExponent: 8,
      maxLength: 2 ** 17,
    });
    expect(decodeRawSocketHandshake(bytes(0x7f, 0x10, 0, 0))).toEqual({ kind: 'error', code: 1 });
  });

  it('encodes each error code of the spec in the upper nibble', () => {
    expect(encodeRawSocketHandshakeError(RawSocketHandshakeError.SERIALIZER_UNSUPPORTED)).toEqual(
      bytes(0x7f, 0x10, 0, 0),
    );
    expect(encodeRawSocketHandshakeError(RawSocketHandshakeError.MAX_LENGTH_UNACCEPTABLE)).toEqual(
      bytes(0x7f, 0x20, 0, 0),
    );
    expect(encodeRawSocketHandshakeError(RawSocketHandshakeError.RESERVED_BITS)).toEqual(bytes(0x7f, 0x30, 0, 0));
    expect(encodeRawSocketHandshakeError(RawSocketHandshakeError.MAX_CONNECTIONS)).toEqual(bytes(0x7f, 0x40, 0, 0));
    expect(rawSocketErrorText(3)).toBe('use of reserved bits (unsupported feature)');
  });

  it('rejects a wrong magic octet and set reserved bits', () => {
    const magic = (() => {
      try {
        decodeRawSocketHandshake(bytes(0x47, 0x45, 0x54, 0x20));
      } catch (error) {
        return error;
      }
    })();
    expect(magic).toBeInstanceOf(RawSocketError);
    expect((magic as RawSocketError).reason).toBe('magic');
    expect(() => decodeRawSocketHandshake(bytes(0x7f, 0xf1, 0, 1))).toThrow(
      expect.objectContaining({ reason: 'reserved-bits' }),
    );
    expect(() => decodeRawSocketHandshake(bytes(0x7f, 0xf1, 0x80, 0))).toThrow(
      expect.objectContaining({ reason: 'reserved-bits' }),
    );
  });

  it('maps lengths, exponents and serializers', () => {
    expect(rawSocketMaxLength(0)).toBe(512);
    expect(rawSocketMaxLength(15)).toBe(16 * 1024 * 1024);
    expect(rawSocketLengthExponent(1)).toBe(0);
    expect(rawSocketLengthExponent(512)).toBe(0);
    expect(rawSocketLengthExponent(513)).toBe(1);
    expect(rawSocketLengthExponent(128 * 1024)).toBe(8);
    expect(rawSocketLengthExponent(64 * 1024 * 1024)).toBe(15);
    expect(rawSocketSerializerName(1)).toBe('json');
    expect(rawSocketSerializerName(2)).toBe('msgpack');
    expect(rawSocketSerializerName(3)).toBe('cbor');
    expect(rawSocketSerializerName(4)).toBe('ubjson');
    expect(rawSocketSerializerName(5)).toBeUndefined();
    expect(rawSocketSerializerId('cbor')).toBe(3);
    expect(rawSocketSerializerId('ubjson')).toBe(4);
  });
});

describe('RawSocket frames', () => {
  it('encodes the prefix: type bits, 24-bit big-endian length, X bit for exactly 2^24', () => {
    expect(encodeRawSocketFrameHeader(RawSocketFrameType.MESSAGE, 0x112233)).toEqual(bytes(0x00, 0x11, 0x22, 0x33));
    expect(encodeRawSocketFrameHeader(RawSocketFrameType.PING, 5)).toEqual(bytes(0x01, 0, 0, 5));
    expect(encodeRawSocketFrameHeader(RawSocketFrameType.PONG, 2 ** 24 - 1)).toEqual(bytes(0x02, 0xff, 0xff, 0xff));
    expect(encodeRawSocketFrameHeader(RawSocketFrameType.MESSAGE, RAWSOCKET_MAX_LENGTH)).toEqual(bytes(0x08, 0, 0, 0));
    expect(() => encodeRawSocketFrameHeader(RawSocketFrameType.MESSAGE, RAWSOCKET_MAX_LENGTH + 1)).toThrow(RangeError);
  });

  it('decodes the X bit as a length of 2^24', () => {
    const decoder = new RawSocketDecoder({ expectHandshake: false });
    expect(decoder.push(bytes(0x08, 0, 0, 0))).toEqual([]);
    expect(decoder.buffered).toBe(0);
    const events = decoder.push(new Uint8Array(RAWSOCKET_MAX_LENGTH));
    expect(events).toHaveLength(1);
    const event = events[0];
    expect(event?.type === 'message' && event.payload.length).toBe(RAWSOCKET_MAX_LENGTH);
  });

  it('decodes a handshake followed by frames of each type, fed whole and byte by byte', () => {
    const stream = concat([
      encodeRawSocketHandshake(2, 15),
      encodeRawSocketFrame(RawSocketFrameType.MESSAGE, bytes(1, 2, 3)),
      encodeRawSocketFrame(RawSocketFrameType.PING, bytes(9)),
      encodeRawSocketFrame(RawSocketFrameType.PONG, new Uint8Array(0)),
    ]);
    const expected: RawSocketEvent[] = [
      { type: 'handshake', handshake: { kind: 'accept', serializerId: 2, lengthExponent: 15, maxLength: 2 ** 24 } },
      { type: 'message', payload: bytes(1, 2, 3) },
      { type: 'ping', payload: bytes(9) },
      { type: 'pong', payload: new Uint8Array(0) },
    ];
    expect(new RawSocketDecoder({ expectHandshake: true }).push(stream)).toEqual(expected);
    const byteByByte = new RawSocketDecoder({ expectHandshake: true });
    const events: RawSocketEvent[] = [];
    for (const octet of stream) events.push(...byteByByte.push(bytes(octet)));
    expect(events).toEqual(expected);
  });

  it.each([
    ['reserved bits', bytes(0x10, 0, 0, 1), 'reserved-bits'],
    ['a reserved type', bytes(0x03, 0, 0, 1), 'frame-type'],
    ['the X bit with a non-zero length', bytes(0x08, 0, 0, 1), 'length'],
  ])('fails on a frame with %s, and stays failed', (_name, header, reason) => {
    const decoder = new RawSocketDecoder({ expectHandshake: false });
    expect(() => decoder.push(header)).toThrow(expect.objectContaining({ reason }));
    expect(() => decoder.push(bytes(0))).toThrow(expect.objectContaining({ reason }));
  });

  it('fails on a frame over maxLength as soon as its prefix arrives', () => {
    const decoder = new RawSocketDecoder({ expectHandshake: false, maxLength: 512 });
    expect(decoder.push(encodeRawSocketFrame(RawSocketFrameType.MESSAGE, new Uint8Array(512)))).toHaveLength(1);
    expect(() => decoder.push(bytes(0, 0, 2, 1))).toThrow(expect.objectContaining({ reason: 'too-large' }));
  });

  it('decodes any stream of frames split at any points', () => {
    const frame = fc.record({
      type: fc.constantFrom<RawSocketFrameTypeValue>(0, 1, 2),
      payload: fc.uint8Array({ maxLength: 300 }),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 15 }),
        fc.integer({ min: 0, max: 15 }),
        fc.array(frame, { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (serializerId, exponent, frames, cuts) => {
          const stream = concat([
            encodeRawSocketHandshake(serializerId, exponent),
            ...frames.map((f) => encodeRawSocketFrame(f.type, f.payload)),
          ]);
          const events = decodeInPieces(stream, cuts);
          expect(events[0]).toEqual({
            type: 'handshake',
            handshake: {
              kind: 'accept',
              serializerId,
              lengthExponent: exponent,
              maxLength: rawSocketMaxLength(exponent),
            },
          });
          expect(events.slice(1)).toEqual(
            frames.map((f) => ({ type: ['message', 'ping', 'pong'][f.type], payload: f.payload })),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws anything but RawSocketError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (data, expectHandshake) => {
        const decoder = new RawSocketDecoder({ expectHandshake, maxLength: 1024 });
        try {
          decoder.push(data);
        } catch (error) {
          expect(error).toBeInstanceOf(RawSocketError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
