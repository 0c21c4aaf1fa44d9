import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FrameReaderEvents, WebSocketFrameReader } from '../../src/transports/websocket-frame-reader.js';
import { clientFrame, closePayload, Opcode } from '../support/client-frames.js';

const { TEXT, BINARY, CONTINUATION, CLOSE, PING, PONG } = Opcode;

/** A reader that writes down what it reports, as readable strings. */
function recorder(maxPayload = 1 << 20, maxFrame?: number) {
  const seen: string[] = [];
  const events: FrameReaderEvents = {
    message: (data, binary) => seen.push(`${binary ? 'binary' : 'text'} ${data.toString()}`),
    ping: (data) => seen.push(`ping ${data.toString()}`),
    pong: (data) => seen.push(`pong ${data.toString()}`),
    close: (code, reason) => seen.push(`close ${code} ${reason}`),
    fail: (code, reason) => seen.push(`fail ${code} ${reason}`),
  };
  return { reader: new WebSocketFrameReader(maxPayload, events, maxFrame), seen };
}

describe('WebSocketFrameReader', () => {
  it('fails with 1009 on a data frame over maxFrame (max_frame_size), fragments under it joined', () => {
    const { reader, seen } = recorder(1 << 20, 10);
    reader.push(clientFrame({ opcode: TEXT, payload: '0123456789', fin: false }));
    reader.push(clientFrame({ opcode: PING, payload: 'a ping may be larger' }));
    reader.push(clientFrame({ opcode: CONTINUATION, payload: 'abc' }));
    reader.push(clientFrame({ opcode: BINARY, payload: '0123456789a' }));
    expect(seen).toEqual(['ping a ping may be larger', 'text 0123456789abc', 'fail 1009 frame larger than 10 bytes']);
  });

  it('unmasks a text frame and a binary frame', () => {
    const { reader, seen } = recorder();
    reader.push(clientFrame({ opcode: TEXT, payload: '[1,"realm1",{}]' }));
    reader.push(clientFrame({ opcode: BINARY, payload: 'bytes' }));
    expect(seen).toEqual(['text [1,"realm1",{}]', 'binary bytes']);
  });

  it('reads every frame of one chunk, in order', () => {
    const { reader, seen } = recorder();
    reader.push(
      Buffer.concat([
        clientFrame({ opcode: TEXT, payload: 'one' }),
        clientFrame({ opcode: PING, payload: 'p' }),
        clientFrame({ opcode: TEXT, payload: 'two' }),
      ]),
    );
    expect(seen).toEqual(['text one', 'ping p', 'text two']);
  });

  it('reads the same frames whatever the chunks they arrive in, length forms included', () => {
    const long = 'x'.repeat(300);
    const frames = Buffer.concat([
      clientFrame({ opcode: TEXT, payload: 'short' }),
      clientFrame({ opcode: TEXT, payload: long }),
      clientFrame({ opcode: BINARY, payload: 'sixty-four', lengthForm: 64 }),
      clientFrame({ opcode: TEXT, payload: '', lengthForm: 16 }),
    ]);
    const expected = ['text short', `text ${long}`, 'binary sixty-four', 'text '];
    for (let cut = 1; cut < frames.length; cut++) {
      const { reader, seen } = recorder();
      reader.push(Buffer.from(frames.subarray(0, cut)));
      reader.push(Buffer.from(frames.subarray(cut)));
      expect(seen, `cut at ${cut}`).toEqual(expected);
    }
    const { reader, seen } = recorder();
    for (const byte of frames) reader.push(Buffer.from([byte]));
    expect(seen).toEqual(expected);
  });

  it('reassembles a fragmented message, with control frames between its fragments', () => {
    const { reader, seen } = recorder();
    reader.push(clientFrame({ opcode: BINARY, payload: 'frag', fin: false }));
    reader.push(clientFrame({ opcode: PING, payload: 'mid' }));
    reader.push(clientFrame({ opcode: CONTINUATION, payload: 'men', fin: false }));
    reader.push(clientFrame({ opcode: PONG }));
    reader.push(clientFrame({ opcode: CONTINUATION, payload: 'ted' }));
    reader.push(clientFrame({ opcode: TEXT, payload: 'next' }));
    expect(seen).toEqual(['ping mid', 'pong ', 'binary fragmented', 'text next']);
  });

  it('reads a close frame with and without a status, and nothing after it', () => {
    const a = recorder();
    a.reader.push(
      Buffer.concat([
        clientFrame({ opcode: CLOSE, payload: closePayload(4000, 'bye') }),
        clientFrame({ opcode: TEXT, payload: 'too late' }),
      ]),
    );
    expect(a.seen).toEqual(['close 4000 bye']);
    const b = recorder();
    b.reader.push(clientFrame({ opcode: CLOSE }));
    expect(b.seen).toEqual(['close undefined ']);
  });

  it.each([
    [
      'an unmasked frame',
      clientFrame({ opcode: TEXT, payload: 'x', masked: false }),
      'fail 1002 a client frame must be masked',
    ],
    ['an RSV bit without extension', clientFrame({ opcode: TEXT, payload: 'x', rsv: 4 }), 'fail 1002 RSV bits set'],
    ['an unknown data opcode', clientFrame({ opcode: 0x3, payload: 'x' }), 'fail 1002 unknown opcode 3'],
    ['an unknown control opcode', clientFrame({ opcode: 0xb }), 'fail 1002 unknown opcode 11'],
    [
      'a fragmented ping',
      clientFrame({ opcode: PING, fin: false }),
      'fail 1002 a control frame must not be fragmented',
    ],
    [
      'a ping over 125 bytes',
      clientFrame({ opcode: PING, payload: 'p'.repeat(126) }),
      'fail 1002 a control frame carries at most 125 bytes',
    ],
    [
      'a continuation out of the blue',
      clientFrame({ opcode: CONTINUATION, payload: 'x' }),
      'fail 1002 a continuation frame',
    ],
    [
      'a one-byte close payload',
      clientFrame({ opcode: CLOSE, payload: 'x' }),
      'fail 1002 a close frame payload cannot be one byte',
    ],
    [
      'a close code no peer may send',
      clientFrame({ opcode: CLOSE, payload: closePayload(1005) }),
      'fail 1002 invalid close code 1005',
    ],
  ])('fails on %s with 1002, and reads nothing more', (_what, frame, expected) => {
    const { reader, seen } = recorder();
    reader.push(Buffer.concat([frame, clientFrame({ opcode: TEXT, payload: 'after' })]));
    expect(seen).toHaveLength(1);
    expect(seen[0]).toContain(expected);
  });

  it('fails when a new message starts inside a fragmented one', () => {
    const { reader, seen } = recorder();
    reader.push(clientFrame({ opcode: TEXT, payload: 'a', fin: false }));
    reader.push(clientFrame({ opcode: TEXT, payload: 'b' }));
    expect(seen).toEqual(['fail 1002 a new message began before the fragmented one ended']);
  });

  it('fails with 1009 on a frame over the limit as soon as its header arrives', () => {
    const { reader, seen } = recorder(100);
    const frame = clientFrame({ opcode: BINARY, payload: Buffer.alloc(101) });
    reader.push(frame.subarray(0, 8)); // the header and the masking key only
    expect(seen).toEqual(['fail 1009 message larger than 100 bytes']);
  });

  it('fails with 1009 when the fragments of one message add up to more than the limit', () => {
    const { reader, seen } = recorder(100);
    reader.push(clientFrame({ opcode: TEXT, payload: 'a'.repeat(60), fin: false }));
    reader.push(clientFrame({ opcode: CONTINUATION, payload: 'b'.repeat(60) }));
    expect(seen).toEqual(['fail 1009 message larger than 100 bytes']);
  });

  it('fails with 1009 on a 64-bit length no buffer could hold', () => {
    const { reader, seen } = recorder();
    reader.push(Buffer.from([0x82, 0xff, 0x00, 0x40, 0, 0, 0, 0, 0, 0]));
    expect(seen).toEqual(['fail 1009 frame too large']);
  });

  it('ignores everything once stopped', () => {
    const { reader, seen } = recorder();
    const frame = clientFrame({ opcode: TEXT, payload: 'hello' });
    reader.push(frame.subarray(0, 4));
    reader.stop();
    reader.push(frame.subarray(4));
    expect(seen).toEqual([]);
  });

  it('never throws on arbitrary bytes, in arbitrary chunks, and reports nothing after a failure or close', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), (chunks) => {
        const { reader, seen } = recorder(256);
        for (const chunk of chunks) reader.push(Buffer.from(chunk));
        const end = seen.findIndex((event) => event.startsWith('fail') || event.startsWith('close'));
        expect(end === -1 || end === seen.length - 1).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('reads any sequence of valid frames the same way, however the bytes are cut', () => {
    const frameSpec = fc.record({
      opcode: fc.constantFrom(TEXT, BINARY, PING, PONG),
      payload: fc.string({ maxLength: 200 }),
    });
    fc.assert(
      fc.property(fc.array(frameSpec, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 6 }), (specs, cuts) => {
        // Control frames carry at most 125 bytes.
        const frames = specs.map((f) => ({ ...f, payload: f.opcode >= PING ? f.payload.slice(0, 40) : f.payload }));
        const bytes = Buffer.concat(frames.map((f) => clientFrame(f)));
        const whole = recorder();
        whole.reader.push(Buffer.from(bytes));
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const pieces = recorder();
        let from = 0;
        for (const to of [...points, bytes.length]) {
          pieces.reader.push(Buffer.from(bytes.subarray(from, to)));
          from = to;
        }
        const names = { [TEXT]: 'text', [BINARY]: 'binary', [PING]: 'ping', [PONG]: 'pong' };
        const expected = frames.map((f) => `${names[f.opcode as 1 | 2 | 9 | 10]} ${Buffer.from(f.payload).toString()}`);
        expect(whole.seen).toEqual(expected);
        expect(pieces.seen).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });
});
