/**
 * `wamp.2.json` and `wamp.2.json.batched` (spec: basic profile "Serializations", "JSON";
 * advanced profile "Batched WebSocket transport").
 *
 * Binary values travel as strings: a NUL character followed by the base64 of the bytes
 * (spec: "Binary conversion of JSON Strings"). Decoding turns such strings back into Uint8Array.
 *
 * Batched frames end each message with a separator. The spec text names 0x1e (record
 * separator); Autobahn|Python, and so every Crossbar deployment, writes 0x18 (cancel). Neither
 * can occur in JSON text outside a string escape, so a decoder accepts both and can tell them
 * apart; the encoder writes the one it is given (see {@link jsonBatchSeparatorOf}, which a
 * router uses to answer in the separator its client writes).
 */
import { decodeBase64, encodeBase64 } from './base64.js';
import { InvalidArgumentError, ProtocolViolationError } from './errors.js';
import { messageFromArray, messageToArray } from './message-codec.js';
import { isBinary, isNumericTypedArray } from './message-fields.js';
import type { WampMessage } from './messages.js';
import type { Frame, Serializer } from './serializer.js';
import { asViolation, type SerializerOptions, single } from './serializer-common.js';
import { mapLeaves } from './value-walk.js';

/** Record separator that ends each message of a `wamp.2.json.batched` frame, as the spec writes it. */
export const JSON_BATCH_SEPARATOR = '\u001e';

/** The separator Autobahn|Python (and so Crossbar) ends each batched JSON message with: 0x18. */
export const AUTOBAHN_JSON_BATCH_SEPARATOR = '\u0018';

/** One of the two batch separators a `wamp.2.json.batched` peer may write. */
export type JsonBatchSeparator = typeof JSON_BATCH_SEPARATOR | typeof AUTOBAHN_JSON_BATCH_SEPARATOR;

/** Splits a batched frame at either separator. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these two control characters are the wire's separators.
const ANY_BATCH_SEPARATOR = /[\u0018\u001e]/;

/** Options of {@link createJsonSerializer}. */
export interface JsonSerializerOptions extends SerializerOptions {
  /** The separator batched frames are written with; decoding accepts both. Default: the spec's 0x1e. */
  batchSeparator?: JsonBatchSeparator;
}

/**
 * The separator a batched JSON frame uses (the first one in it), or `undefined` when it holds
 * none (then it is not a valid batched frame anyway).
 *
 * @example
 * jsonBatchSeparatorOf('[1,{},"realm1"]\u0018'); // AUTOBAHN_JSON_BATCH_SEPARATOR
 */
export function jsonBatchSeparatorOf(frame: Frame): JsonBatchSeparator | undefined {
  if (typeof frame === 'string') {
    const match = ANY_BATCH_SEPARATOR.exec(frame);
    return match === null ? undefined : (match[0] as JsonBatchSeparator);
  }
  // Bytes: 0x18 and 0x1e are single bytes in UTF-8 and occur in no multi-byte sequence.
  for (let i = 0; i < frame.length; i++) {
    if (frame[i] === 0x18) return AUTOBAHN_JSON_BATCH_SEPARATOR;
    if (frame[i] === 0x1e) return JSON_BATCH_SEPARATOR;
  }
  return undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Creates the JSON serializer.
 *
 * @example
 * const json = createJsonSerializer();
 * const frame = json.encode({ type: 'GOODBYE', details: {}, reason: 'wamp.close.normal' });
 * json.decode(frame); // [{ type: 'GOODBYE', ... }]
 */
export function createJsonSerializer(options: JsonSerializerOptions = {}): Serializer {
  const batched = options.batched === true;
  const separator = options.batchSeparator ?? JSON_BATCH_SEPARATOR;
  const decodeOptions = options.decode ?? {};

  const decodeOne = (text: string): WampMessage => {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (cause) {
      throw new ProtocolViolationError('frame is not valid JSON', { field: 'frame', cause });
    }
    // A binary string holds a JSON-escaped NUL; skip the walk when there cannot be one.
    if (text.includes('\\u0000')) raw = mapLeaves(raw, fromJsonBinary);
    return messageFromArray(raw, decodeOptions);
  };

  return {
    name: 'json',
    subprotocol: batched ? 'wamp.2.json.batched' : 'wamp.2.json',
    binary: false,
    batched,
    encode(message: WampMessage): string {
      let text: string;
      try {
        text = JSON.stringify(mapLeaves(messageToArray(message), toJsonValue));
      } catch (cause) {
        if (cause instanceof InvalidArgumentError) throw cause;
        throw new InvalidArgumentError(`${message.type} cannot be encoded as JSON`, { cause });
      }
      return batched ? text + separator : text;
    },
    joinFrames(encoded: readonly Frame[]): string {
      if (!batched) return single(encoded, 'json') as string;
      return encoded.map((f) => frameText(f)).join('');
    },
    decode(frame: Frame): WampMessage[] {
      try {
        const text = frameText(frame);
        if (!batched) return [decodeOne(text)];
        const parts = text.split(ANY_BATCH_SEPARATOR);
        // Each message is followed by the separator, so the last part is normally empty;
        // a final message without its separator is accepted too (robustness).
        if (parts[parts.length - 1] === '') parts.pop();
        if (parts.length === 0) throw new ProtocolViolationError('batched frame holds no message', { field: 'frame' });
        return parts.map(decodeOne);
      } catch (error) {
        throw asViolation(error, 'JSON');
      }
    },
  };
}

/**
 * Encode-side leaf conversion: bytes to the NUL + base64 string; bigint (which the binary
 * serializers produce for integers beyond 2^53) to the nearest number, which is what a
 * JavaScript JSON peer would read anyway.
 */
function toJsonValue(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return typeof v === 'bigint' ? Number(v) : v;
  if (isBinary(v)) return `\u0000${encodeBase64(v)}`;
  if (isNumericTypedArray(v)) return Array.from(v as ArrayLike<number | bigint>, Number);
  return v;
}

function fromJsonBinary(v: unknown): unknown {
  return typeof v === 'string' && v.charCodeAt(0) === 0 ? decodeBase64(v, 1) : v;
}

function frameText(frame: Frame): string {
  if (typeof frame === 'string') return frame;
  if (frame instanceof Uint8Array) {
    try {
      return utf8.decode(frame);
    } catch (cause) {
      throw new ProtocolViolationError('frame is not valid UTF-8', { field: 'frame', cause });
    }
  }
  throw new ProtocolViolationError('frame must be text or bytes', { field: 'frame' });
}
