/**
 * WAMP-over-RawSocket framing (spec: advanced profile "RawSocket Transport"), sans-IO: the
 * 4-octet opening handshake, the spec's handshake error codes, the 4-octet frame prefix, and a
 * streaming decoder that takes the bytes of a connection in whatever chunks the socket delivers.
 * Client and router transports both build on it; nothing here touches a socket or a timer.
 */
import { ProtocolViolationError } from './errors.js';
import type { SerializerName } from './serializer.js';

/** The first octet of every handshake; no HTTP request can start with it (spec: "Handshake"). */
export const RAWSOCKET_MAGIC = 0x7f;

/** Serializer IDs of the handshake's SERIALIZER field (spec: "Handshake: Client-to-Router Request"). */
export const RawSocketSerializerId = {
  JSON: 1,
  MSGPACK: 2,
  CBOR: 3,
  UBJSON: 4,
  FLATBUFFERS: 5,
} as const;
/** One of the {@link RawSocketSerializerId} values. */
export type RawSocketSerializerIdValue = (typeof RawSocketSerializerId)[keyof typeof RawSocketSerializerId];

/** Error codes of a handshake error reply (spec: "Handshake: Router-to-Client Reply"). */
export const RawSocketHandshakeError = {
  SERIALIZER_UNSUPPORTED: 1,
  MAX_LENGTH_UNACCEPTABLE: 2,
  RESERVED_BITS: 3,
  MAX_CONNECTIONS: 4,
} as const;
/** One of the {@link RawSocketHandshakeError} values. */
export type RawSocketHandshakeErrorValue = (typeof RawSocketHandshakeError)[keyof typeof RawSocketHandshakeError];

/** Transport message types of the frame prefix's TTT bits (spec: "Framing"). */
export const RawSocketFrameType = { MESSAGE: 0, PING: 1, PONG: 2 } as const;
/** One of the {@link RawSocketFrameType} values. */
export type RawSocketFrameTypeValue = (typeof RawSocketFrameType)[keyof typeof RawSocketFrameType];

/** The largest payload a frame can carry: 2^24 octets, with the X bit set (spec: "Framing"). */
export const RAWSOCKET_MAX_LENGTH = 2 ** 24;

const SERIALIZER_NAMES: Readonly<Record<number, SerializerName>> = {
  1: 'json',
  2: 'msgpack',
  3: 'cbor',
  4: 'ubjson',
};
const ERROR_TEXT: Readonly<Record<number, string>> = {
  1: 'serializer unsupported',
  2: 'maximum message length unacceptable',
  3: 'use of reserved bits (unsupported feature)',
  4: 'maximum connection count reached',
};

/** The serializer of a handshake's serializer ID, when Interchange speaks it. */
export function rawSocketSerializerName(id: number): SerializerName | undefined {
  return SERIALIZER_NAMES[id];
}

/** The handshake serializer ID of a serializer. */
export function rawSocketSerializerId(name: SerializerName): RawSocketSerializerIdValue {
  switch (name) {
    case 'json':
      return RawSocketSerializerId.JSON;
    case 'msgpack':
      return RawSocketSerializerId.MSGPACK;
    case 'cbor':
      return RawSocketSerializerId.CBOR;
    case 'ubjson':
      return RawSocketSerializerId.UBJSON;
  }
}

/** The spec's wording of a handshake error code. */
export function rawSocketErrorText(code: number): string {
  return ERROR_TEXT[code] ?? `undefined error ${code}`;
}

/** The message length a LENGTH exponent stands for: 2^(exponent + 9) octets. */
export function rawSocketMaxLength(exponent: number): number {
  return 2 ** (exponent + 9);
}

/**
 * The smallest LENGTH exponent (0..15) whose length is at least `maxBytes`; limits beyond 16 MiB
 * clamp to 15. Autobahn rounds a configured limit up the same way.
 *
 * @example
 * rawSocketLengthExponent(128 * 1024); // 8 (2^17 octets)
 */
export function rawSocketLengthExponent(maxBytes: number): number {
  let exponent = 0;
  while (exponent < 15 && rawSocketMaxLength(exponent) < maxBytes) exponent++;
  return exponent;
}

/** Why a peer's bytes break the RawSocket rules. */
export type RawSocketErrorReason = 'magic' | 'reserved-bits' | 'frame-type' | 'length' | 'too-large';

/**
 * A RawSocket framing rule broken by the peer. `reason` says which; after a handshake with
 * reserved bits set, a router answers {@link RawSocketHandshakeError.RESERVED_BITS}.
 */
export class RawSocketError extends ProtocolViolationError {
  static override readonly name: string = 'RawSocketError';
  readonly reason: RawSocketErrorReason;
  constructor(reason: RawSocketErrorReason, message: string) {
    super(message, { field: 'rawsocket' });
    this.reason = reason;
  }
}

/** A decoded handshake: an accepting request or reply, or an error reply. */
export type RawSocketHandshake =
  | { kind: 'accept'; serializerId: number; lengthExponent: number; maxLength: number }
  | { kind: 'error'; code: number };

/**
 * Encodes a handshake request (client) or accepting reply (router): magic, LENGTH and
 * SERIALIZER nibbles, two reserved zero octets.
 */
export function encodeRawSocketHandshake(serializerId: number, lengthExponent: number): Uint8Array {
  if (!Number.isInteger(serializerId) || serializerId < 1 || serializerId > 15) {
    throw new RangeError(`serializer id must be 1..15, got ${serializerId}`);
  }
  if (!Number.isInteger(lengthExponent) || lengthExponent < 0 || lengthExponent > 15) {
    throw new RangeError(`length exponent must be 0..15, got ${lengthExponent}`);
  }
  return Uint8Array.of(RAWSOCKET_MAGIC, (lengthExponent << 4) | serializerId, 0, 0);
}

/** Encodes a router's handshake error reply: the code in the upper nibble, serializer 0. */
export function encodeRawSocketHandshakeError(code: RawSocketHandshakeErrorValue): Uint8Array {
  return Uint8Array.of(RAWSOCKET_MAGIC, code << 4, 0, 0);
}

/**
 * Decodes the 4 octets of a handshake. A request with serializer 0 (illegal) reads as an error
 * handshake, which a router answers with "serializer unsupported".
 *
 * @throws RawSocketError `magic` when the first octet is not 0x7F, `reserved-bits` when the third
 *   or fourth octet is not zero.
 */
export function decodeRawSocketHandshake(octets: Uint8Array): RawSocketHandshake {
  if (octets.length !== 4) throw new RangeError(`a handshake has 4 octets, got ${octets.length}`);
  if (octets[0] !== RAWSOCKET_MAGIC) {
    throw new RawSocketError(
      'magic',
      `not a RawSocket handshake: first octet 0x${(octets[0] as number).toString(16).padStart(2, '0')}, expected 0x7f`,
    );
  }
  if (octets[2] !== 0 || octets[3] !== 0) {
    throw new RawSocketError(
      'reserved-bits',
      'RawSocket handshake has reserved bits set (octets 3 and 4 must be zero)',
    );
  }
  const second = octets[1] as number;
  const serializerId = second & 0x0f;
  const upper = second >> 4;
  if (serializerId === 0) return { kind: 'error', code: upper };
  return { kind: 'accept', serializerId, lengthExponent: upper, maxLength: rawSocketMaxLength(upper) };
}

/**
 * Encodes the 4-octet prefix of a frame: type in the TTT bits, length in 24 bits, and the X bit
 * for a payload of exactly 2^24 octets.
 */
export function encodeRawSocketFrameHeader(type: RawSocketFrameTypeValue, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > RAWSOCKET_MAX_LENGTH) {
    throw new RangeError(`a RawSocket payload has 0..${RAWSOCKET_MAX_LENGTH} octets, got ${length}`);
  }
  if (length === RAWSOCKET_MAX_LENGTH) return Uint8Array.of(0x08 | type, 0, 0, 0);
  return Uint8Array.of(type, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff);
}

/** Encodes one frame: prefix and payload in one buffer. */
export function encodeRawSocketFrame(type: RawSocketFrameTypeValue, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  out.set(encodeRawSocketFrameHeader(type, payload.length), 0);
  out.set(payload, 4);
  return out;
}

/** What the decoder found in the stream, in order. */
export type RawSocketEvent =
  | { type: 'handshake'; handshake: RawSocketHandshake }
  | { type: 'message'; payload: Uint8Array }
  | { type: 'ping'; payload: Uint8Array }
  | { type: 'pong'; payload: Uint8Array };

/** Options of {@link RawSocketDecoder}. */
export interface RawSocketDecoderOptions {
  /** Whether the stream starts with the 4-octet handshake (both sides of a connection do). */
  expectHandshake: boolean;
  /**
   * Largest payload accepted, in octets; a frame announcing more fails at once, before its
   * payload is buffered. Can be set after the handshake ({@link RawSocketDecoder.maxLength}).
   */
  maxLength?: number;
}

const EVENT_OF_TYPE = ['message', 'ping', 'pong'] as const;

/**
 * Streaming decoder of one direction of a RawSocket connection. Feed it chunks as they arrive;
 * it returns the complete handshake and frames they finish, keeping partial ones for the next
 * chunk. After an error it stays failed: the connection must be failed (spec: "Framing").
 *
 * @example
 * const decoder = new RawSocketDecoder({ expectHandshake: true, maxLength: 1 << 20 });
 * socket.on('data', (chunk) => { for (const event of decoder.push(chunk)) handle(event); });
 */
export class RawSocketDecoder {
  /** The largest payload accepted, in octets. */
  maxLength: number;
  #awaitingHandshake: boolean;
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  /** The frame whose prefix has been read and whose payload is still arriving. */
  #pending: { type: RawSocketFrameTypeValue; length: number } | undefined;
  #failed: RawSocketError | undefined;

  constructor(options: RawSocketDecoderOptions) {
    this.#awaitingHandshake = options.expectHandshake;
    this.maxLength = options.maxLength ?? RAWSOCKET_MAX_LENGTH;
  }

  /** Octets received but not yet part of a complete handshake or frame. */
  get buffered(): number {
    return this.#buffered;
  }

  /**
   * Takes the next chunk of the stream and returns what it completes.
   * @throws RawSocketError when the stream breaks a rule; every later call throws it again.
   */
  push(chunk: Uint8Array): RawSocketEvent[] {
    if (this.#failed !== undefined) throw this.#failed;
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
    }
    const events: RawSocketEvent[] = [];
    try {
      for (;;) {
        if (this.#awaitingHandshake) {
          if (this.#buffered < 4) break;
          const handshake = decodeRawSocketHandshake(this.#take(4));
          this.#awaitingHandshake = false;
          events.push({ type: 'handshake', handshake });
          continue;
        }
        if (this.#pending === undefined) {
          if (this.#buffered < 4) break;
          this.#pending = this.#readHeader(this.#take(4));
        }
        const { type, length } = this.#pending;
        if (this.#buffered < length) break;
        this.#pending = undefined;
        events.push({ type: EVENT_OF_TYPE[type] as 'message', payload: this.#take(length) });
      }
    } catch (error) {
      if (error instanceof RawSocketError) this.#failed = error;
      throw error;
    }
    return events;
  }

  #readHeader(prefix: Uint8Array): { type: RawSocketFrameTypeValue; length: number } {
    const first = prefix[0] as number;
    if ((first & 0xf0) !== 0) throw new RawSocketError('reserved-bits', 'RawSocket frame has reserved bits set');
    const type = first & 0x07;
    if (type > RawSocketFrameType.PONG)
      throw new RawSocketError('frame-type', `RawSocket frame has reserved type ${type}`);
    let length = ((prefix[1] as number) << 16) | ((prefix[2] as number) << 8) | (prefix[3] as number);
    if ((first & 0x08) !== 0) {
      // The X bit is only set for exactly 2^24 octets, with the 24 length bits cleared.
      if (length !== 0) throw new RawSocketError('length', 'RawSocket frame sets the X bit with a non-zero length');
      length = RAWSOCKET_MAX_LENGTH;
    }
    if (length > this.maxLength) {
      throw new RawSocketError(
        'too-large',
        `RawSocket frame of ${length} octets exceeds the limit of ${this.maxLength} octets`,
      );
    }
    return { type: type as RawSocketFrameTypeValue, length };
  }

  /** Removes the first `n` buffered octets (n <= buffered) and returns them as one array. */
  #take(n: number): Uint8Array {
    this.#buffered -= n;
    const first = this.#chunks[0];
    if (n === 0) return new Uint8Array(0);
    if (first !== undefined && first.length >= n) {
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = new Uint8Array(n);
    let offset = 0;
    while (offset < n) {
      const chunk = this.#chunks[0] as Uint8Array;
      const part = Math.min(chunk.length, n - offset);
      out.set(chunk.subarray(0, part), offset);
      offset += part;
      if (part === chunk.length) this.#chunks.shift();
      else this.#chunks[0] = chunk.subarray(part);
    }
    return out;
  }
}
