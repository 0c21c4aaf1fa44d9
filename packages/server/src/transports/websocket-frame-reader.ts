/**
 * Reads the frames a WebSocket client sends (RFC 6455 section 5), for connections without
 * extensions. It replaces ws's Receiver on the router's hot path: a socket read that holds whole
 * frames (the common case) is parsed in place, each payload is unmasked where it lies and handed
 * on as a view of the read buffer, and nothing else is allocated per frame. ws's Receiver is a
 * stream that copies header bytes into new buffers frame by frame; on routed RPC it was an eighth
 * of the router's CPU and a quarter of what it allocated (BENCHMARKS.md).
 */
import { CloseCode } from './websocket-frame.js';

/** Throws on invalid UTF-8 instead of replacing it. */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** What the reader finds, in order. Failures end the reading: nothing is reported after one. */
export interface FrameReaderEvents {
  /** A complete data message: a text (`binary` false) or binary message, reassembled if fragmented. */
  message(data: Buffer, binary: boolean): void;
  ping(data: Buffer): void;
  pong(data: Buffer): void;
  /** A close frame: its status code (undefined when it had none) and reason. Reading ends. */
  close(code: number | undefined, reason: string): void;
  /** The client broke the protocol; `code` is the close code to answer with (1002 or 1009). */
  fail(code: number, reason: string): void;
}

const OPCODE_CONTINUATION = 0x0;
const OPCODE_TEXT = 0x1;
const OPCODE_BINARY = 0x2;
const OPCODE_CLOSE = 0x8;
const OPCODE_PING = 0x9;
const OPCODE_PONG = 0xa;
/** Control frames carry at most 125 bytes and are never fragmented (section 5.5). */
const MAX_CONTROL_PAYLOAD = 125;

/** Close codes a peer may send (section 7.4.1 and the IANA registry; 3000-4999 are for applications). */
function isValidCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

export class WebSocketFrameReader {
  readonly #maxPayload: number;
  readonly #maxFrame: number;
  readonly #events: FrameReaderEvents;
  /** Bytes of a frame not yet complete, in arrival order, and how many. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** Bytes the frame at the head of `#pending` needs in all, once its header is known. */
  #needed = 2;
  /** The parts of a fragmented message so far, or undefined between messages. */
  #fragments: Buffer[] | undefined;
  #fragmentBytes = 0;
  #fragmentBinary = false;
  #done = false;

  /**
   * @param maxPayload the largest message accepted; a larger one fails with 1009 as soon as its
   *   header announces it, before its bytes are buffered.
   * @param maxFrame the largest data frame accepted (Crossbar's `max_frame_size`); a larger one
   *   fails with 1009 likewise. No limit of its own by default.
   */
  constructor(maxPayload: number, events: FrameReaderEvents, maxFrame = Number.POSITIVE_INFINITY) {
    this.#maxPayload = maxPayload;
    this.#maxFrame = maxFrame;
    this.#events = events;
  }

  /** Stops reading: what arrives later is ignored (the connection is closing). */
  stop(): void {
    this.#done = true;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#fragments = undefined;
  }

  /** Takes the next bytes read from the socket. The reader owns `chunk` from now on. */
  push(chunk: Buffer): void {
    if (this.#done) return;
    let buffer = chunk;
    if (this.#pendingBytes > 0) {
      this.#pending.push(chunk);
      this.#pendingBytes += chunk.length;
      // Wait for the whole frame rather than joining again on every read of a large one.
      if (this.#pendingBytes < this.#needed) return;
      buffer = Buffer.concat(this.#pending, this.#pendingBytes);
      this.#pending = [];
      this.#pendingBytes = 0;
    }
    let offset = 0;
    while (offset < buffer.length && !this.#done) {
      const used = this.#frameAt(buffer, offset);
      if (used === 0) break;
      offset += used;
    }
    if (offset < buffer.length && !this.#done) {
      const rest = buffer.subarray(offset);
      this.#pending.push(rest);
      this.#pendingBytes = rest.length;
    } else {
      this.#needed = 2;
    }
  }

  /**
   * Handles the frame at `offset` if it is complete and returns its size; returns 0 (with
   * `#needed` set) if more bytes are needed, or after a failure.
   */
  #frameAt(buffer: Buffer, offset: number): number {
    const available = buffer.length - offset;
    if (available < 2) {
      this.#needed = 2;
      return 0;
    }
    const first = buffer[offset] as number;
    const second = buffer[offset + 1] as number;
    const fin = (first & 0x80) !== 0;
    const opcode = first & 0x0f;
    if ((first & 0x70) !== 0) return this.#fail(CloseCode.PROTOCOL_ERROR, 'RSV bits set, but no extension was agreed');
    // Section 5.1: "The server MUST close the connection upon receiving a frame that is not masked."
    if ((second & 0x80) === 0) return this.#fail(CloseCode.PROTOCOL_ERROR, 'a client frame must be masked');
    let length = second & 0x7f;
    // What the first two bytes can tell is decided on them, as ws's Receiver does, rather than
    // after the extended length: a bad frame fails at once, not when (or if) its length arrives.
    if (opcode >= OPCODE_CLOSE) {
      if (opcode > OPCODE_PONG) return this.#fail(CloseCode.PROTOCOL_ERROR, `unknown opcode ${opcode}`);
      if (!fin) return this.#fail(CloseCode.PROTOCOL_ERROR, 'a control frame must not be fragmented');
      if (length > MAX_CONTROL_PAYLOAD)
        return this.#fail(CloseCode.PROTOCOL_ERROR, 'a control frame carries at most 125 bytes');
      // Section 5.5.1: a close payload starts with a two-byte code, so it cannot be one byte.
      if (opcode === OPCODE_CLOSE && length === 1)
        return this.#fail(CloseCode.PROTOCOL_ERROR, 'a close frame payload cannot be one byte');
    } else if (opcode > OPCODE_BINARY) {
      return this.#fail(CloseCode.PROTOCOL_ERROR, `unknown opcode ${opcode}`);
    } else if (opcode === OPCODE_CONTINUATION) {
      if (this.#fragments === undefined)
        return this.#fail(CloseCode.PROTOCOL_ERROR, 'a continuation frame without a message to continue');
    } else if (this.#fragments !== undefined) {
      return this.#fail(CloseCode.PROTOCOL_ERROR, 'a new message began before the fragmented one ended');
    }
    let header = 2;
    if (length === 126) {
      if (available < 4) return this.#wait(4);
      length = buffer.readUInt16BE(offset + 2);
      header = 4;
    } else if (length === 127) {
      if (available < 10) return this.#wait(10);
      const high = buffer.readUInt32BE(offset + 2);
      // Anything from 2^53 up cannot be a length here, and is far beyond any limit anyway.
      if (high > 0x1f_ffff) return this.#fail(CloseCode.MESSAGE_TOO_BIG, 'frame too large');
      length = high * 0x1_0000_0000 + buffer.readUInt32BE(offset + 6);
      header = 10;
    }
    header += 4; // the masking key
    if (opcode < OPCODE_CLOSE) {
      if (this.#fragmentBytes + length > this.#maxPayload)
        return this.#fail(CloseCode.MESSAGE_TOO_BIG, `message larger than ${this.#maxPayload} bytes`);
      if (length > this.#maxFrame)
        return this.#fail(CloseCode.MESSAGE_TOO_BIG, `frame larger than ${this.#maxFrame} bytes`);
    }
    if (available < header + length) return this.#wait(header + length);
    const start = offset + header;
    const payload = buffer.subarray(start, start + length);
    unmask(payload, buffer, start - 4);
    this.#dispatch(opcode, fin, payload);
    return header + length;
  }

  #dispatch(opcode: number, fin: boolean, payload: Buffer): void {
    switch (opcode) {
      case OPCODE_TEXT:
      case OPCODE_BINARY:
        // No fragmented message is open: the header was checked for that (#frameAt).
        if (fin) {
          this.#events.message(payload, opcode === OPCODE_BINARY);
        } else {
          this.#fragments = [payload];
          this.#fragmentBytes = payload.length;
          this.#fragmentBinary = opcode === OPCODE_BINARY;
        }
        return;
      case OPCODE_CONTINUATION: {
        // A fragmented message is open: the header was checked for that (#frameAt).
        const fragments = this.#fragments as Buffer[];
        fragments.push(payload);
        this.#fragmentBytes += payload.length;
        if (!fin) return;
        const message = Buffer.concat(fragments, this.#fragmentBytes);
        this.#fragments = undefined;
        this.#fragmentBytes = 0;
        this.#events.message(message, this.#fragmentBinary);
        return;
      }
      case OPCODE_CLOSE:
        this.#readClose(payload);
        return;
      case OPCODE_PING:
        this.#events.ping(payload);
        return;
      default:
        this.#events.pong(payload);
    }
  }

  #readClose(payload: Buffer): void {
    const code = payload.length >= 2 ? payload.readUInt16BE(0) : undefined;
    if (code !== undefined && !isValidCloseCode(code)) {
      this.#fail(CloseCode.PROTOCOL_ERROR, `invalid close code ${code}`);
      return;
    }
    // Section 5.5.1: the reason is UTF-8; section 8.1: invalid UTF-8 fails the connection, 1007.
    let reason: string;
    try {
      reason = STRICT_UTF8.decode(payload.subarray(2));
    } catch {
      this.#fail(CloseCode.INVALID_PAYLOAD, 'the close reason is not valid UTF-8');
      return;
    }
    this.stop();
    this.#events.close(code, reason);
  }

  #wait(bytes: number): 0 {
    this.#needed = bytes;
    return 0;
  }

  #fail(code: number, reason: string): 0 {
    this.stop();
    this.#events.fail(code, reason);
    return 0;
  }
}

/** XORs `payload` with the 4-byte masking key at `keyOffset` of `buffer` (section 5.3). */
function unmask(payload: Buffer, buffer: Buffer, keyOffset: number): void {
  const k0 = buffer[keyOffset] as number;
  const k1 = buffer[keyOffset + 1] as number;
  const k2 = buffer[keyOffset + 2] as number;
  const k3 = buffer[keyOffset + 3] as number;
  const length = payload.length;
  let i = 0;
  for (; i + 3 < length; i += 4) {
    payload[i] = (payload[i] as number) ^ k0;
    payload[i + 1] = (payload[i + 1] as number) ^ k1;
    payload[i + 2] = (payload[i + 2] as number) ^ k2;
    payload[i + 3] = (payload[i + 3] as number) ^ k3;
  }
  for (let k = 0; i < length; i++, k++) payload[i] = (payload[i] as number) ^ (buffer[keyOffset + k] as number);
}
