/**
 * The WebSocket frame reader (src/transports/websocket-frame-reader.ts) against an oracle:
 * ws's Receiver, which read client frames before it and still does on connections with
 * permessage-deflate. Arbitrary frame sequences, valid and invalid (bad opcodes, RSV bits,
 * unmasked frames, fragments out of order, oversized control frames, close frames with bad codes
 * or reasons, messages over the limit, 64-bit lengths, truncated streams), cut into chunks at
 * arbitrary points, go to both; both must report the same messages, pings, pongs, and the same
 * close code or failure code.
 *
 * Intended differences, normalized before comparing:
 * - A text message with invalid UTF-8: ws fails the connection with 1007; our reader hands the
 *   bytes on and the JSON serializer refuses them (packages/protocol/src/serializer-json.ts
 *   decodes strictly), which aborts the session. Here such a message counts as a 1007 failure.
 * - A close frame without a payload: ws reports 1005 (no status), our reader `undefined`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as ws from 'ws';
import { WebSocketFrameReader } from '../../src/transports/websocket-frame-reader.js';

/** ws's Receiver: exported by ws but not declared by @types/ws. */
interface WsReceiver {
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): void;
  on(event: 'ping' | 'pong', listener: (data: Buffer) => void): void;
  on(event: 'conclude', listener: (code: number, reason: Buffer) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  write(chunk: Buffer, callback: (error?: Error | null) => void): void;
}
const Receiver = (ws as unknown as { Receiver: new (options: object) => WsReceiver }).Receiver;

type Event = ['message', boolean, string] | ['ping' | 'pong', string] | ['close', number, string] | ['fail', number];

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

function isUtf8(data: Buffer): boolean {
  try {
    STRICT_UTF8.decode(data);
    return true;
  } catch {
    return false;
  }
}

/** Drops what follows a close or a failure (neither side reports more, but ws may still buffer). */
function untilEnd(events: Event[]): Event[] {
  const end = events.findIndex((e) => e[0] === 'close' || e[0] === 'fail');
  return end === -1 ? events : events.slice(0, end + 1);
}

function readOurs(chunks: Buffer[], maxPayload: number): Event[] {
  const events: Event[] = [];
  const reader = new WebSocketFrameReader(maxPayload, {
    message: (data, binary) =>
      events.push(!binary && !isUtf8(data) ? ['fail', 1007] : ['message', binary, data.toString('hex')]),
    ping: (data) => events.push(['ping', data.toString('hex')]),
    pong: (data) => events.push(['pong', data.toString('hex')]),
    close: (code, reason) => events.push(['close', code ?? 1005, reason]),
    fail: (code) => events.push(['fail', code]),
  });
  for (const chunk of chunks) reader.push(Buffer.from(chunk));
  return untilEnd(events);
}

/** ws keeps the status code of a failure under a symbol of its own. */
function statusOf(error: Error): number {
  const symbol = Object.getOwnPropertySymbols(error).find((s) => s.description === 'status-code');
  return symbol === undefined ? -1 : ((error as unknown as Record<symbol, number>)[symbol] ?? -1);
}

async function readWs(chunks: Buffer[], maxPayload: number): Promise<Event[]> {
  const events: Event[] = [];
  let ended = false;
  const receiver = new Receiver({ isServer: true, maxPayload, binaryType: 'nodebuffer' });
  receiver.on('message', (data, binary) => events.push(['message', binary, Buffer.from(data).toString('hex')]));
  receiver.on('ping', (data) => events.push(['ping', data.toString('hex')]));
  receiver.on('pong', (data) => events.push(['pong', data.toString('hex')]));
  receiver.on('conclude', (code, reason) => {
    ended = true;
    events.push(['close', code, reason.toString()]);
  });
  receiver.on('error', (error) => {
    if (ended) return;
    ended = true;
    events.push(['fail', statusOf(error)]);
  });
  for (const chunk of chunks) {
    if (ended) break;
    await new Promise<void>((resolve) => receiver.write(Buffer.from(chunk), () => resolve()));
  }
  return untilEnd(events);
}

interface FrameSpec {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  lengthForm: 'min' | '16' | '64';
  mask: number[];
  payload: Uint8Array;
}

/** Encodes a frame as a client would (RFC 6455 section 5.2), with whatever flaws the spec asks for. */
function encode(frame: FrameSpec): Buffer {
  const { payload } = frame;
  const first = (frame.fin ? 0x80 : 0) | frame.rsv | frame.opcode;
  const maskBit = frame.masked ? 0x80 : 0;
  const form =
    frame.lengthForm === 'min'
      ? payload.length < 126
        ? 'min'
        : payload.length < 65_536
          ? '16'
          : '64'
      : frame.lengthForm;
  let header: Buffer;
  if (form === 'min') header = Buffer.from([first, maskBit | payload.length]);
  else if (form === '16') {
    header = Buffer.from([first, maskBit | 126, 0, 0]);
    header.writeUInt16BE(payload.length, 2);
  } else {
    header = Buffer.from([first, maskBit | 127, 0, 0, 0, 0, 0, 0, 0, 0]);
    header.writeUInt32BE(payload.length, 6);
  }
  if (!frame.masked) return Buffer.concat([header, payload]);
  const masked = Buffer.from(payload.map((b, i) => b ^ (frame.mask[i % 4] as number)));
  return Buffer.concat([header, Buffer.from(frame.mask), masked]);
}

const closePayload = fc
  .tuple(
    fc.constantFrom(1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1011, 1014, 1015, 2999, 3000, 4999, 5000, 0, 65535),
    fc.oneof(
      fc.string({ maxLength: 20 }).map((s) => Buffer.from(s)),
      fc.uint8Array({ maxLength: 6 }),
    ),
  )
  .map(([code, reason]) => {
    const bytes = Buffer.alloc(2 + reason.length);
    bytes.writeUInt16BE(code, 0);
    Buffer.from(reason).copy(bytes, 2);
    return bytes;
  });

const payload = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map((s) => new Uint8Array(Buffer.from(s))) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 100, maxLength: 300 }) },
  { weight: 1, arbitrary: closePayload.map((b) => new Uint8Array(b)) },
  { weight: 1, arbitrary: fc.constantFrom(new Uint8Array(0), new Uint8Array([3])) },
);

const frameSpec: fc.Arbitrary<FrameSpec> = fc.record({
  fin: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  rsv: fc.oneof({ weight: 12, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(0x10, 0x20, 0x40) }),
  opcode: fc.oneof(
    { weight: 10, arbitrary: fc.constantFrom(0x0, 0x1, 0x2, 0x8, 0x9, 0xa) },
    { weight: 1, arbitrary: fc.constantFrom(0x3, 0x7, 0xb, 0xf) },
  ),
  masked: fc.oneof({ weight: 15, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  lengthForm: fc.oneof(
    { weight: 8, arbitrary: fc.constant('min' as const) },
    { weight: 1, arbitrary: fc.constantFrom('16' as const, '64' as const) },
  ),
  mask: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }),
  payload,
});

/** Oddities no frame spec makes: a 64-bit length of 2^53 or more, a huge announced length, raw bytes. */
const rawPiece = fc.oneof(
  fc.constant(Buffer.from([0x82, 0xff, 0x00, 0x20, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4])),
  fc.constant(Buffer.from([0x82, 0xff, 0x00, 0x00, 0x00, 0x01, 0, 0, 0, 0, 1, 2, 3, 4])),
  fc.constant(Buffer.from([0x81, 0xfe, 0xff, 0xff, 1, 2, 3, 4])),
  fc.uint8Array({ minLength: 1, maxLength: 12 }).map((b) => Buffer.from(b)),
);

const stream = fc
  .array(fc.oneof({ weight: 12, arbitrary: frameSpec.map(encode) }, { weight: 1, arbitrary: rawPiece }), {
    minLength: 1,
    maxLength: 8,
  })
  .map((pieces) => Buffer.concat(pieces));

/** The stream, perhaps cut short, in chunks split at arbitrary points. */
const chunked = fc
  .tuple(stream, fc.nat(), fc.boolean(), fc.array(fc.nat(), { maxLength: 6 }))
  .map(([bytes, cut, truncate, points]) => {
    const data = truncate && bytes.length > 1 ? bytes.subarray(0, cut % bytes.length) : bytes;
    const at = [...new Set(points.map((p) => (data.length === 0 ? 0 : p % data.length)))].sort((a, b) => a - b);
    const chunks: Buffer[] = [];
    let from = 0;
    for (const point of [...at, data.length]) {
      if (point > from) chunks.push(data.subarray(from, point));
      from = Math.max(from, point);
    }
    return chunks;
  });

describe('WebSocketFrameReader against ws Receiver', () => {
  it('reports the same messages, control frames, close codes and failure codes for arbitrary frame sequences', async () => {
    await fc.assert(
      fc.asyncProperty(chunked, fc.constantFrom(64, 1000, 1 << 20), async (chunks, maxPayload) => {
        const ours = readOurs(chunks, maxPayload);
        const theirs = await readWs(chunks, maxPayload);
        expect(ours).toEqual(theirs);
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees on the frames that decide each failure code', async () => {
    const masked = (first: number, payload: number[]) =>
      encode({
        fin: (first & 0x80) !== 0,
        rsv: first & 0x70,
        opcode: first & 0x0f,
        masked: true,
        lengthForm: 'min',
        mask: [1, 2, 3, 4],
        payload: new Uint8Array(payload),
      });
    const cases: [string, Buffer, Event[]][] = [
      ['an unmasked frame', Buffer.from([0x81, 0x01, 0x61]), [['fail', 1002]]],
      ['RSV1 without an extension', masked(0xc1, [0x61]), [['fail', 1002]]],
      ['a continuation without a start', masked(0x80, [0x61]), [['fail', 1002]]],
      ['an unknown opcode announcing a 64-bit length', Buffer.from([0x83, 0xff]), [['fail', 1002]]],
      ['a fragmented ping', masked(0x09, []), [['fail', 1002]]],
      ['close code 1005 on the wire', masked(0x88, [0x03, 0xed]), [['fail', 1002]]],
      ['a close reason that is not UTF-8', masked(0x88, [0x03, 0xe8, 0xff]), [['fail', 1007]]],
      ['a text message that is not UTF-8', masked(0x81, [0xc3]), [['fail', 1007]]],
      ['a length of 2^53', Buffer.from([0x82, 0xff, 0x00, 0x20, 0, 0, 0, 0, 0, 0]), [['fail', 1009]]],
      // Found by this test: our reader waited for the payload of these before failing.
      ['a one-byte close frame, cut after its header', Buffer.from([0x88, 0x81]), [['fail', 1002]]],
      ['a continuation without a start, cut after its header', Buffer.from([0x80, 0xfe]), [['fail', 1002]]],
      ['an empty close', masked(0x88, []), [['close', 1005, '']]],
    ];
    for (const [name, bytes, expected] of cases) {
      expect([name, readOurs([bytes], 1000)]).toEqual([name, expected]);
      expect([name, await readWs([bytes], 1000)]).toEqual([name, expected]);
    }
  });
});
