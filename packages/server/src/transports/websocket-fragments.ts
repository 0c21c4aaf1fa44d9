/**
 * Outgoing fragmentation (RFC 6455 section 5.4), for Crossbar's `auto_fragment_size`: a message
 * whose payload is larger than the fragment size goes out as a first frame (text or binary,
 * FIN clear), continuation frames, and a final continuation frame with FIN set, each carrying at
 * most that many bytes. Messages at or below the size keep their single frame, untouched.
 */
import { frameHeaderLength } from './websocket-frame.js';

const FIN = 0x80;
const OPCODE_CONTINUATION = 0x0;

/** Writes an unmasked frame header at `at`; returns the header's length. */
function writeHeader(target: Buffer, at: number, first: number, length: number): number {
  target[at] = first;
  if (length <= 125) {
    target[at + 1] = length;
    return 2;
  }
  if (length <= 0xffff) {
    target[at + 1] = 126;
    target.writeUInt16BE(length, at + 2);
    return 4;
  }
  target[at + 1] = 127;
  target.writeUInt32BE(Math.floor(length / 0x1_0000_0000), at + 2);
  target.writeUInt32BE(length >>> 0, at + 6);
  return 10;
}

/**
 * The frames of one message split into fragments of at most `size` payload bytes, as one buffer
 * to write. `opcode` is the message's (text 0x1 or binary 0x2).
 */
export function fragmentedFrames(payload: Uint8Array, opcode: number, size: number): Buffer {
  const count = Math.max(1, Math.ceil(payload.length / size));
  let total = payload.length;
  for (let i = 0; i < count; i++) total += frameHeaderLength(Math.min(size, payload.length - i * size));
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const start = i * size;
    const length = Math.min(size, payload.length - start);
    const last = i === count - 1;
    const first = (last ? FIN : 0) | (i === 0 ? opcode : OPCODE_CONTINUATION);
    at += writeHeader(out, at, first, length);
    out.set(payload.subarray(start, start + length), at);
    at += length;
  }
  return out;
}

/**
 * A complete single server frame (as `websocketFrame` builds it) split into fragments of at most
 * `size` payload bytes; the frame itself when its payload fits.
 */
export function fragmentFrame(frame: Buffer, size: number): Buffer {
  const second = frame[1] as number;
  const short = second & 0x7f;
  const header = short < 126 ? 2 : short === 126 ? 4 : 10;
  if (frame.length - header <= size) return frame;
  return fragmentedFrames(frame.subarray(header), (frame[0] as number) & 0x0f, size);
}
