/**
 * Fuzz target: the WAMP message decoders of packages/protocol (serializer-json.ts,
 * serializer-msgpack.ts, serializer-cbor.ts, serializer-binary.ts for the batched forms, and the
 * message validation of message-codec.ts behind them), as a router feeds them a peer's frames.
 *
 * The first byte picks one of the six subprotocols and whether a JSON frame arrives as text or
 * as bytes; the rest is one frame. Asserted: decoding returns messages or throws a
 * ProtocolViolationError; each message decoded encodes again with the same serializer and
 * decodes to the same message; encoding it for any other serializer (a router forwards messages
 * between peers of different serializers) gives a frame or an InvalidArgumentError, never
 * another error.
 */
import { createSerializer, InvalidArgumentError, ProtocolViolationError } from '@interchange/protocol';
import { check, checkEqual, expectOnly } from './invariants.mjs';

const SERIALIZERS = ['json', 'msgpack', 'cbor'].flatMap((name) => [
  createSerializer(name),
  createSerializer(name, { batched: true }),
]);
const UNBATCHED = SERIALIZERS.filter((s) => !s.batched);

export function fuzz(data) {
  const first = data[0] ?? 0;
  const serializer = SERIALIZERS[first % SERIALIZERS.length];
  const bytes = Buffer.from(data.subarray(1));
  const frame = serializer.name === 'json' && (first & 0x80) !== 0 ? bytes.toString('utf8') : bytes;
  let messages;
  try {
    messages = serializer.decode(frame);
  } catch (error) {
    expectOnly(error, ProtocolViolationError);
    return;
  }
  check(Array.isArray(messages) && messages.length > 0, 'a frame decodes to at least one message');
  check(serializer.batched || messages.length === 1, 'an unbatched frame holds one message');
  for (const message of messages) {
    check(typeof message.type === 'string', 'a decoded message has a type');
    const again = serializer.decode(serializer.encode(message));
    checkEqual(again, [message], `${serializer.subprotocol}: the message encoded and decoded again`);
    for (const other of UNBATCHED) {
      try {
        other.encode(message);
      } catch (error) {
        expectOnly(error, InvalidArgumentError);
      }
    }
  }
}
