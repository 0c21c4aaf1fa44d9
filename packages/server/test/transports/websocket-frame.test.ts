import type { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import * as ws from 'ws';
import { frameHeaderLength, websocketFrame } from '../../src/transports/websocket-frame.js';

/** ws's frame parser; exported by ws but missing from @types/ws. */
const { Receiver } = ws as unknown as {
  Receiver: new (options: { isServer: boolean; maxPayload: number }) => EventEmitter & { write(chunk: Buffer): void };
};

/** Parses frames the way a client does, with ws's own receiver (it rejects malformed frames). */
function parse(frame: Buffer): { data: Buffer; isBinary: boolean }[] {
  const messages: { data: Buffer; isBinary: boolean }[] = [];
  const errors: Error[] = [];
  const receiver = new Receiver({ isServer: false, maxPayload: 0 });
  receiver.on('message', (data: Buffer, isBinary: boolean) => messages.push({ data, isBinary }));
  receiver.on('error', (error: Error) => errors.push(error));
  receiver.write(frame);
  if (errors.length > 0) throw errors[0];
  return messages;
}

describe('websocketFrame', () => {
  it.each([
    [0, 2],
    [125, 2],
    [126, 4],
    [65_535, 4],
    [65_536, 10],
    [200_000, 10],
  ])('frames a %i-byte binary payload with a %i-byte header that a client parses back', (length, header) => {
    const payload = Buffer.alloc(length, 0xab);
    const frame = websocketFrame(new Uint8Array(payload));
    expect(frameHeaderLength(length)).toBe(header);
    expect(frame.length).toBe(header + length);
    expect(frame[0]).toBe(0x82); // FIN, binary
    expect((frame[1] as number) & 0x80).toBe(0); // servers never mask (RFC 6455 section 5.1)
    const [message] = parse(frame);
    expect(message?.isBinary).toBe(true);
    expect(message?.data.equals(payload)).toBe(true);
  });

  it('frames a string as a text frame of its UTF-8 bytes', () => {
    const text = '[36,1,2,{},["é€😀"]]';
    const frame = websocketFrame(text);
    expect(frame[0]).toBe(0x81); // FIN, text
    expect(frame[1]).toBe(Buffer.byteLength(text));
    const [message] = parse(frame);
    expect(message?.isBinary).toBe(false);
    expect(message?.data.toString('utf8')).toBe(text);
  });

  it('frames a long string with the 16-bit length form', () => {
    const text = `["${'ü'.repeat(100)}"]`;
    const frame = websocketFrame(text);
    expect(frame[1]).toBe(126);
    expect(frame.readUInt16BE(2)).toBe(Buffer.byteLength(text));
    expect(parse(frame)[0]?.data.toString('utf8')).toBe(text);
  });
});
