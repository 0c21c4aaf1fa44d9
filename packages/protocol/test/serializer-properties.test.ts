/**
 * Property tests: encode then decode is the identity, for every serializer and framing;
 * any bytes a peer may send decode to valid messages or raise ProtocolViolationError, never
 * anything else.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolViolationError } from '../src/errors.js';
import { messageFromArray, messageToArray } from '../src/message-codec.js';
import type { Serializer } from '../src/serializer.js';
import { createSerializer, SUBPROTOCOLS, serializerForSubprotocol } from '../src/serializers.js';
// Registers the ubjson serializer (the main entry point leaves it out).
import '../src/ubjson.js';
import { wampMessage } from './arbitraries.js';

const serializers = SUBPROTOCOLS.map((s) => serializerForSubprotocol(s) as Serializer);
const messagesFor = (s: Serializer) => wampMessage({ bigint: s.name !== 'json' });

/** Runs `decode` and fails the property if it throws anything but ProtocolViolationError. */
function decodesOrViolates(serializer: Serializer, frame: string | Uint8Array): void {
  try {
    serializer.decode(frame);
  } catch (error) {
    if (!(error instanceof ProtocolViolationError)) throw error;
  }
}

describe('message codec', () => {
  it('messageFromArray(messageToArray(m)) is m', () => {
    fc.assert(
      fc.property(wampMessage({ bigint: true }), (msg) => {
        expect(messageFromArray(messageToArray(msg))).toEqual(msg);
      }),
      { numRuns: 500 },
    );
  });
});

describe.each(serializers.map((s) => [s.subprotocol, s] as const))('%s', (_name, serializer) => {
  it('decode(encode(m)) is [m]', () => {
    fc.assert(
      fc.property(messagesFor(serializer), (msg) => {
        expect(serializer.decode(serializer.encode(msg))).toEqual([msg]);
      }),
      { numRuns: 300 },
    );
  });

  if (serializer.batched) {
    it('decode(joinFrames(encode each)) is the list', () => {
      fc.assert(
        fc.property(fc.array(messagesFor(serializer), { minLength: 1, maxLength: 5 }), (msgs) => {
          const frame = serializer.joinFrames(msgs.map((m) => serializer.encode(m)));
          expect(serializer.decode(frame)).toEqual(msgs);
        }),
        { numRuns: 100 },
      );
    });
  }

  it('every strict prefix of a frame raises ProtocolViolationError', () => {
    fc.assert(
      fc.property(messagesFor(serializer), fc.nat(), (msg, cut) => {
        const frame = serializer.encode(msg);
        // For batched JSON, dropping only the final separator leaves a valid frame: cut before it.
        const limit = serializer.batched && serializer.name === 'json' ? frame.length - 1 : frame.length;
        const end = cut % limit;
        const prefix = frame.slice(0, end);
        expect(() => serializer.decode(prefix)).toThrow(ProtocolViolationError);
      }),
      { numRuns: 200 },
    );
  });
});

describe('hostile input', () => {
  const binary = serializers.filter((s) => s.binary);
  const text = serializers.filter((s) => !s.binary);

  it('random bytes raise ProtocolViolationError or decode, for every serializer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        for (const s of serializers) decodesOrViolates(s, bytes);
      }),
      { numRuns: 1000 },
    );
  });

  it('random bytes after a valid array header raise ProtocolViolationError or decode', () => {
    // Starts the frame as a list with a known code so the decoders get past the first byte.
    const heads = [new Uint8Array([0x93, 0x01]), new Uint8Array([0x83, 0x01]), new Uint8Array([0x95, 0x30])];
    fc.assert(
      fc.property(fc.constantFrom(...heads), fc.uint8Array({ maxLength: 48 }), (head, tail) => {
        const frame = new Uint8Array(head.length + tail.length);
        frame.set(head);
        frame.set(tail, head.length);
        for (const s of binary) decodesOrViolates(s, frame);
      }),
      { numRuns: 1000 },
    );
  });

  it('random strings and JSON values raise ProtocolViolationError or decode', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify([48, v, v, v])),
        ),
        (frame) => {
          for (const s of [...text, ...serializers]) decodesOrViolates(s, frame);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('random arrays with a valid message code raise ProtocolViolationError or decode', () => {
    const codes = [1, 2, 3, 4, 5, 6, 8, 16, 17, 32, 33, 34, 35, 36, 48, 49, 50, 64, 65, 66, 67, 68, 69, 70];
    fc.assert(
      fc.property(fc.constantFrom(...codes), fc.array(fc.anything(), { maxLength: 6 }), (code, rest) => {
        try {
          messageFromArray([code, ...rest]);
        } catch (error) {
          if (!(error instanceof ProtocolViolationError)) throw error;
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('mutated valid frames raise ProtocolViolationError or decode', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('msgpack', 'cbor', 'json' as const),
        wampMessage({ bigint: false }),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        (name, msg, at, byte) => {
          const serializer = createSerializer(name);
          const encoded = serializer.encode(msg);
          const bytes = typeof encoded === 'string' ? new TextEncoder().encode(encoded) : encoded.slice();
          bytes[at % bytes.length] = byte;
          decodesOrViolates(serializer, bytes);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
