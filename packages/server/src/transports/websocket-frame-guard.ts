/**
 * Crossbar's `max_frame_size` for connections that ws reads (permessage-deflate): ws limits whole
 * messages only, so this guard walks the frame headers of the bytes the client sends, before ws
 * parses them, and reports the first frame whose payload is over the limit. It reads headers
 * only and skips payloads without touching them; it runs only on services that set the limit.
 */

/** Walks the frame headers of a client's byte stream (RFC 6455 section 5.2). */
export class FrameSizeGuard {
  readonly #limit: number;
  readonly #onTooLarge: (length: number) => void;
  /** Payload bytes of the current frame still to skip. */
  #skip = 0;
  /** Bytes of a header split across reads. */
  #header: Buffer | undefined;
  #done = false;

  constructor(limit: number, onTooLarge: (length: number) => void) {
    this.#limit = limit;
    this.#onTooLarge = onTooLarge;
  }

  /** Takes the next bytes read from the socket (not kept). */
  push(chunk: Buffer): void {
    if (this.#done) return;
    let buffer = chunk;
    let at = 0;
    if (this.#header !== undefined) {
      buffer = Buffer.concat([this.#header, chunk]);
      this.#header = undefined;
    }
    while (at < buffer.length) {
      if (this.#skip > 0) {
        const step = Math.min(this.#skip, buffer.length - at);
        this.#skip -= step;
        at += step;
        continue;
      }
      const available = buffer.length - at;
      if (available < 2) break;
      const second = buffer[at + 1] as number;
      const masked = (second & 0x80) !== 0;
      const short = second & 0x7f;
      const header = (short < 126 ? 2 : short === 126 ? 4 : 10) + (masked ? 4 : 0);
      if (available < header) break;
      const length =
        short < 126
          ? short
          : short === 126
            ? buffer.readUInt16BE(at + 2)
            : buffer.readUInt32BE(at + 2) * 0x1_0000_0000 + buffer.readUInt32BE(at + 6);
      const opcode = (buffer[at] as number) & 0x0f;
      // Control frames (opcode 8 and up) are not data frames and carry at most 125 bytes anyway.
      if (opcode < 0x8 && length > this.#limit) {
        this.#done = true;
        this.#onTooLarge(length);
        return;
      }
      at += header;
      this.#skip = length;
    }
    if (at < buffer.length) this.#header = Buffer.from(buffer.subarray(at));
  }
}
