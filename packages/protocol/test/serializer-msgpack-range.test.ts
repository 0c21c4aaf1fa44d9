/**
 * The msgpack decoder reads a frame as a range of its whole ArrayBuffer (serializer-binary.ts,
 * `decodeRange`): frames cut from one socket read share that buffer, and so do small Buffers
 * from Node's pool. Whatever lies around the frame must never change what it decodes to, and a
 * truncated or overlong frame must fail exactly as it fails on its own, even when the bytes after
 * it would complete it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolViolationError } from '../src/errors.js';
import type { WampMessage } from '../src/messages.js';
import { createSerializer } from '../src/serializers.js';
import { wampMessage } from './arbitraries.js';

const msgpack = createSerializer('msgpack');
const batched = createSerializer('msgpack', { batched: true });
/** A binary serializer's frames are bytes. */
const encode = (message: WampMessage): Uint8Array => msgpack.encode(message) as Uint8Array;

/** `frame` inside a larger Buffer, `before` and `after` around it, as a socket read holds it. */
function embedded(frame: Uint8Array, before: Uint8Array, after: Uint8Array): Buffer {
  const read = Buffer.concat([before, frame, after]);
  return read.subarray(before.length, before.length + frame.length);
}

/** What decoding `frame` gives: its messages, or the error's class and message. */
function outcome(serializer: typeof msgpack, frame: Uint8Array): WampMessage[] | string {
  try {
    return serializer.decode(frame);
  } catch (error) {
    if (!(error instanceof ProtocolViolationError)) throw error;
    return `violation: ${error.message}`;
  }
}

const call: WampMessage = { type: 'CALL', requestId: 7, options: {}, procedure: 'com.example.echo', args: [1, 'two'] };

describe('msgpack frames read as a range of a larger buffer', () => {
  it('decode the same as a copy of the frame, whatever surrounds them', () => {
    fc.assert(
      fc.property(
        wampMessage({ bigint: true }),
        fc.uint8Array({ maxLength: 64 }),
        fc.uint8Array({ maxLength: 64 }),
        (message, before, after) => {
          const frame = encode(message);
          expect(outcome(msgpack, embedded(frame, before, after))).toEqual(outcome(msgpack, Uint8Array.from(frame)));
        },
      ),
    );
  });

  it('decode binary values as Uint8Array copies, not Buffers or views of the read', () => {
    const frame = encode({ ...call, args: [new Uint8Array([1, 2, 3])] });
    const view = embedded(frame, new Uint8Array([0xc1]), new Uint8Array([0xc1]));
    const [decoded] = msgpack.decode(view) as unknown as [{ args: Uint8Array[] }];
    const bytes = decoded.args[0] as Uint8Array;
    expect(bytes.constructor).toBe(Uint8Array);
    expect([...bytes]).toEqual([1, 2, 3]);
    view.fill(0);
    expect([...bytes]).toEqual([1, 2, 3]);
  });

  it('fail when truncated, even when the bytes after the frame would complete it', () => {
    const frame = encode(call);
    const read = Buffer.from(frame);
    for (let cut = 0; cut < frame.length; cut++) {
      // The rest of the message lies right after the cut: a decoder that read past the range
      // would find a whole CALL there.
      expect(outcome(msgpack, read.subarray(0, cut))).toMatch(/^violation: /);
    }
  });

  it('fail on hostile frames as they fail alone: huge declared lengths, deep nesting, trailing bytes', () => {
    const hostile = [
      Uint8Array.of(0xdd, 0xff, 0xff, 0xff, 0xff), // array32 of 2^32 - 1 elements, none present
      Uint8Array.of(0xdf, 0xff, 0xff, 0xff, 0xff), // map32 likewise
      Uint8Array.of(0x95, 0x30, 0x07, 0x80, 0xdb, 0x7f, 0xff, 0xff, 0xff), // CALL whose procedure is a 2 GiB str32
      Uint8Array.of(0x95, 0x30, 0x07, 0x80, 0xc6, 0x7f, 0xff, 0xff, 0xff), // ... a 2 GiB bin32
      new Uint8Array(10_000).fill(0x91), // 10,000 nested one-element lists, never closed
      Uint8Array.from([...encode(call), 0xc0]), // a whole CALL and one byte more
      Uint8Array.of(0xc1), // the one byte msgpack never uses
    ];
    // What follows the frame in the read: another whole CALL, then filler.
    const after = Buffer.concat([encode(call), Buffer.alloc(4096, 0x00)]);
    for (const frame of hostile) {
      const alone = outcome(msgpack, Uint8Array.from(frame));
      expect(alone).toMatch(/^violation: /);
      expect(outcome(msgpack, embedded(frame, Uint8Array.of(0x92), after))).toEqual(alone);
    }
  });

  it('refuse an empty frame, whose range would otherwise read as "to the end"', () => {
    // A whole CALL at the very start of its own ArrayBuffer, then an empty frame at offset 0.
    const frame = encode(call);
    const read = new Uint8Array(new ArrayBuffer(frame.length));
    read.set(frame);
    expect(outcome(msgpack, read.subarray(0, 0))).toMatch(/^violation: /);
    expect(outcome(msgpack, Buffer.from(read.buffer, 0, 0))).toMatch(/^violation: /);
    expect(outcome(msgpack, read.subarray(read.length))).toMatch(/^violation: /);
  });

  it('decode frames of a buffer larger than a socket read, which are not viewed as a whole', () => {
    const large = encode({ ...call, args: [new Uint8Array(100_000).fill(7)] });
    const view = embedded(large, Uint8Array.of(0x91), Uint8Array.of(0xc1));
    const [decoded] = msgpack.decode(view) as unknown as [{ args: Uint8Array[] }];
    expect(decoded.args[0]?.length).toBe(100_000);
    expect(outcome(msgpack, view.subarray(0, view.length - 1))).toMatch(/^violation: /);
    // A small frame after it decodes from its own (pooled) buffer again.
    expect(outcome(msgpack, embedded(encode(call), Uint8Array.of(1), Uint8Array.of(2)))).toEqual([call]);
  });

  it('decode every message of a batched frame from its range', () => {
    const messages: WampMessage[] = [call, { type: 'YIELD', requestId: 3, options: {}, args: [new Uint8Array([9])] }];
    const frame = batched.joinFrames(messages.map((m) => batched.encode(m)));
    const decoded = batched.decode(embedded(frame as Uint8Array, Uint8Array.of(1, 2, 3), Uint8Array.of(4)));
    expect(decoded).toEqual(messages);
  });
});
