/**
 * WebSocket data frames as the server writes them (RFC 6455 section 5.2): one final frame per
 * message, never masked (section 5.1: "A server MUST NOT mask any frames that it sends to the
 * client"). Because nothing in such a frame depends on the receiver, one frame built for a
 * publication is written unchanged to every subscriber that uses the same serializer.
 */
import type { Frame } from '@interchange/protocol';

/** Opcode of a text frame (RFC 6455 section 5.2, `%x1`): what `wamp.2.json` travels in. */
const OPCODE_TEXT = 0x1;
/** Opcode of a binary frame (`%x2`): `wamp.2.msgpack`, `wamp.2.cbor`. */
const OPCODE_BINARY = 0x2;
/** FIN bit: the message is complete in this frame. */
const FIN = 0x80;
/** Payload lengths up to 125 fit in the second byte; 126 and 127 announce 16- and 64-bit lengths. */
const MAX_SHORT_LENGTH = 125;
const MAX_16_BIT_LENGTH = 0xffff;

/** Bytes of the frame header for a payload of `length` bytes (2, 4 or 10). */
export function frameHeaderLength(length: number): number {
  if (length <= MAX_SHORT_LENGTH) return 2;
  return length <= MAX_16_BIT_LENGTH ? 4 : 10;
}

/** Writes the header of an unmasked final frame at the start of `target`. */
function writeHeader(target: Buffer, length: number, binary: boolean): void {
  target[0] = FIN | (binary ? OPCODE_BINARY : OPCODE_TEXT);
  if (length <= MAX_SHORT_LENGTH) {
    target[1] = length;
  } else if (length <= MAX_16_BIT_LENGTH) {
    target[1] = 126;
    target.writeUInt16BE(length, 2);
  } else {
    target[1] = 127;
    // Lengths stay below 2^53; the high word is at most 2^21.
    target.writeUInt32BE(Math.floor(length / 0x1_0000_0000), 2);
    target.writeUInt32BE(length >>> 0, 6);
  }
}

/**
 * One complete WebSocket frame for an encoded WAMP message: a text frame for a string (encoded
 * as UTF-8 straight into the frame, without an intermediate buffer), a binary frame for bytes.
 */
export function websocketFrame(payload: Frame): Buffer {
  if (typeof payload === 'string') {
    const length = Buffer.byteLength(payload, 'utf8');
    const header = frameHeaderLength(length);
    const frame = Buffer.allocUnsafe(header + length);
    writeHeader(frame, length, false);
    frame.write(payload, header, 'utf8');
    return frame;
  }
  // `length`: the same for bytes, and far cheaper to read than `byteLength` (websocket-connection.ts).
  const length = payload.length;
  const header = frameHeaderLength(length);
  const frame = Buffer.allocUnsafe(header + length);
  writeHeader(frame, length, true);
  frame.set(payload, header);
  return frame;
}

/**
 * Close codes (RFC 6455 section 7.4.1). NO_STATUS and ABNORMAL are never sent: they are what a
 * closed connection reports when the close frame had no code, or when there was none.
 */
export const CloseCode = {
  NORMAL: 1000,
  PROTOCOL_ERROR: 1002,
  NO_STATUS: 1005,
  ABNORMAL: 1006,
  INVALID_PAYLOAD: 1007,
  MESSAGE_TOO_BIG: 1009,
  INTERNAL_ERROR: 1011,
} as const;

/** Opcodes of the control frames the server sends (RFC 6455 section 5.5). */
export const ControlOpcode = { CLOSE: 0x8, PING: 0x9, PONG: 0xa } as const;

/** A control frame (close, ping or pong) with up to 125 bytes of payload, unmasked. */
export function controlFrame(opcode: number, payload: Uint8Array = EMPTY): Buffer {
  const frame = Buffer.allocUnsafe(2 + payload.length);
  frame[0] = FIN | opcode;
  frame[1] = payload.length;
  frame.set(payload, 2);
  return frame;
}

/** The payload of a close frame: the status code, then the reason in UTF-8 (section 5.5.1). */
export function closePayload(code: number, reason = ''): Buffer {
  const payload = Buffer.allocUnsafe(2 + Buffer.byteLength(reason));
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2);
  return payload;
}

const EMPTY = new Uint8Array(0);
