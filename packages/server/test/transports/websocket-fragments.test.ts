/**
 * The pieces behind `auto_fragment_size` and `max_frame_size` on their own: outgoing messages
 * split into fragments that a client's reader joins back, and the frame-size guard that runs in
 * front of ws, fed whole, byte by byte and split at random points.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fragmentedFrames, fragmentFrame } from '../../src/transports/websocket-fragments.js';
import { websocketFrame } from '../../src/transports/websocket-frame.js';
import { FrameSizeGuard } from '../../src/transports/websocket-frame-guard.js';
import { clientFrame, Opcode } from '../support/client-frames.js';

/** Reads unmasked server frames: [fin, opcode, payload] each. */
function readFrames(data: Buffer): [boolean, number, Buffer][] {
  const frames: [boolean, number, Buffer][] = [];
  let at = 0;
  while (at < data.length) {
    let length = (data[at + 1] as number) & 0x7f;
    let header = 2;
    if (length === 126) {
      length = data.readUInt16BE(at + 2);
      header = 4;
    } else if (length === 127) {
      length = data.readUInt32BE(at + 6);
      header = 10;
    }
    frames.push([
      ((data[at] as number) & 0x80) !== 0,
      (data[at] as number) & 0x0f,
      data.subarray(at + header, at + header + length),
    ]);
    at += header + length;
  }
  expect(at).toBe(data.length);
  return frames;
}

describe('fragmentedFrames', () => {
  it('splits any payload into fragments of at most the size that join back to it', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 70_000 }),
        fc.integer({ min: 1, max: 70_000 }),
        (bytes, size) => {
          const payload = Buffer.from(bytes);
          const frames = readFrames(fragmentFrame(websocketFrame(payload), size));
          expect(Buffer.concat(frames.map(([, , p]) => p)).equals(payload)).toBe(true);
          expect(frames.every(([, , p]) => p.length <= size)).toBe(true);
          expect(frames.map(([fin]) => fin)).toEqual(frames.map((_, i) => i === frames.length - 1));
          expect(frames.map(([, opcode]) => opcode)).toEqual(
            frames.map((_, i) => (i === 0 ? Opcode.BINARY : Opcode.CONTINUATION)),
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it('leaves a frame whose payload fits as it is', () => {
    const frame = websocketFrame('[36,1,2,{}]');
    expect(fragmentFrame(frame, 11)).toBe(frame);
    expect(
      readFrames(fragmentedFrames(Buffer.from('abc'), Opcode.TEXT, 2)).map(([fin, op, p]) => [fin, op, p.toString()]),
    ).toEqual([
      [false, Opcode.TEXT, 'ab'],
      [true, Opcode.CONTINUATION, 'c'],
    ]);
  });
});

describe('FrameSizeGuard', () => {
  const stream = Buffer.concat([
    clientFrame({ opcode: Opcode.TEXT, payload: 'a'.repeat(100), fin: false }),
    clientFrame({ opcode: Opcode.PING, payload: 'p' }),
    clientFrame({ opcode: Opcode.CONTINUATION, payload: 'b'.repeat(300) }),
    clientFrame({ opcode: Opcode.BINARY, payload: Buffer.alloc(70_000) }),
    clientFrame({ opcode: Opcode.TEXT, payload: 'c'.repeat(1001) }),
  ]);

  function run(chunks: Buffer[], limit: number): number[] {
    const refused: number[] = [];
    const guard = new FrameSizeGuard(limit, (length) => refused.push(length));
    for (const chunk of chunks) guard.push(chunk);
    return refused;
  }

  it('reports the first data frame over the limit, fed whole or byte by byte', () => {
    expect(run([stream], 1000)).toEqual([70_000]);
    expect(
      run(
        [...stream].map((byte) => Buffer.from([byte])),
        1000,
      ),
    ).toEqual([70_000]);
    expect(run([stream], 100_000)).toEqual([]);
    expect(run([stream], 300)).toEqual([70_000]);
    expect(run([stream], 299)).toEqual([300]);
  });

  it('finds the same frame wherever the stream is split', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }), (cuts) => {
        const points = [0, ...cuts.sort((a, b) => a - b), stream.length];
        const chunks = points.slice(1).map((end, i) => stream.subarray(points[i], end));
        expect(run(chunks, 1000)).toEqual([70_000]);
      }),
      { numRuns: 200 },
    );
  });
});
