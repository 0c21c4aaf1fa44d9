/**
 * `wamp.2.json` and `wamp.2.json.batched` (spec: basic profile "Serializations", "JSON";
 * advanced profile "Batched WebSocket transport").
 *
 * Binary values travel as strings: a NUL character followed by the base64 of the bytes
 * (spec: "Binary conversion of JSON Strings"). Decoding turns such strings back into Uint8Array.
 */
import { decodeBase64, encodeBase64 } from './base64.js';
import { InvalidArgumentError, ProtocolViolationError } from './errors.js';
import { messageFromArray, messageToArray } from './message-codec.js';
import { isBinary } from './message-fields.js';
import type { WampMessage } from './messages.js';
import type { Frame, Serializer } from './serializer.js';
import { asViolation, type SerializerOptions, single } from './serializer-common.js';
import { mapLeaves } from './value-walk.js';

/** Record separator that ends each message of a `wamp.2.json.batched` frame. */
export const JSON_BATCH_SEPARATOR = '\u001e';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Creates the JSON serializer.
 *
 * @example
 * const json = createJsonSerializer();
 * const frame = json.encode({ type: 'GOODBYE', details: {}, reason: 'wamp.close.normal' });
 * json.decode(frame); // [{ type: 'GOODBYE', ... }]
 */
export function createJsonSerializer(options: SerializerOptions = {}): Serializer {
  const batched = options.batched === true;
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
      return batched ? text + JSON_BATCH_SEPARATOR : text;
    },
    joinFrames(encoded: readonly Frame[]): string {
      if (!batched) return single(encoded, 'json') as string;
      return encoded.map((f) => frameText(f)).join('');
    },
    decode(frame: Frame): WampMessage[] {
      try {
        const text = frameText(frame);
        if (!batched) return [decodeOne(text)];
        const parts = text.split(JSON_BATCH_SEPARATOR);
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
  if (isBinary(v)) return `\u0000${encodeBase64(v)}`;
  if (typeof v === 'bigint') return Number(v);
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
