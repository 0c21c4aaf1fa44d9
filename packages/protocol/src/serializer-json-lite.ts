/**
 * `wamp.2.json` and `wamp.2.json.batched` for clients: the wire format of serializer-json.ts
 * (binary as NUL + base64 strings, either batch separator accepted on decode), on the small
 * codec of message-codec-lite.ts, which checks the types of a router's messages but not every
 * rule a router checks of its clients. The client's core entry point uses it, so a page speaking
 * JSON does not download the full message validation.
 */
import { InvalidArgumentError, ProtocolViolationError } from './errors.js';
import { messageFromWire, messageToWire } from './message-codec-lite.js';
import type { WampMessage } from './messages.js';
import type { Frame, Serializer } from './serializer.js';
import { mapLeaves } from './value-walk.js';

const utf8 = new TextDecoder();

/** Either batch separator, as serializer-json.ts reads them. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these two control characters are the wire's separators.
const BATCH_SEPARATORS = /[\u0018\u001e]/;

/**
 * Creates the client's JSON serializer; `batched` for `wamp.2.json.batched` (written with the
 * spec's separator 0x1e).
 *
 * @example
 * const json = createLiteJsonSerializer();
 * json.decode('[2, 1, {"roles": {"broker": {}}}]'); // [{ type: 'WELCOME', session: 1, ... }]
 */
export function createLiteJsonSerializer(options: { batched?: boolean } = {}): Serializer {
  const batched = options.batched === true;
  const decodeOne = (text: string): WampMessage => {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (cause) {
      throw new ProtocolViolationError('frame is not valid JSON', { field: 'frame', cause });
    }
    // A binary string holds a JSON-escaped NUL; skip the walk when there cannot be one.
    if (text.includes('\\u0000')) raw = mapLeaves(raw, fromJsonBinary);
    return messageFromWire(raw);
  };
  return {
    name: 'json',
    subprotocol: batched ? 'wamp.2.json.batched' : 'wamp.2.json',
    binary: false,
    batched,
    encode(message: WampMessage): string {
      try {
        const text = JSON.stringify(mapLeaves(messageToWire(message), toJsonValue));
        return batched ? `${text}\u001e` : text;
      } catch (cause) {
        throw new InvalidArgumentError(`${message.type} cannot be encoded as JSON`, { cause });
      }
    },
    joinFrames(encoded: readonly Frame[]): string {
      if (!batched && encoded.length !== 1) {
        throw new InvalidArgumentError(
          `the unbatched json serializer sends one message per frame, got ${encoded.length}`,
        );
      }
      return encoded.join('');
    },
    decode(frame: Frame): WampMessage[] {
      const text = typeof frame === 'string' ? frame : utf8.decode(frame);
      return batched
        ? text
            .split(BATCH_SEPARATORS)
            .filter((part) => part !== '')
            .map(decodeOne)
        : [decodeOne(text)];
    },
  };
}

/**
 * As serializer-json.ts: bytes to NUL + base64, bigint and numeric typed arrays to numbers. The
 * platform's `btoa`/`atob` (browsers, Node 16+) do the base64 here, instead of base64.ts.
 */
function toJsonValue(v: unknown): unknown {
  if (v instanceof Uint8Array) {
    let text = '';
    for (const byte of v) text += String.fromCharCode(byte);
    return `\u0000${btoa(text)}`;
  }
  if (typeof v === 'bigint') return Number(v);
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>, Number);
  return v;
}

function fromJsonBinary(v: unknown): unknown {
  return typeof v === 'string' && v.charCodeAt(0) === 0 ? Uint8Array.from(atob(v.slice(1)), (c) => c.charCodeAt(0)) : v;
}
