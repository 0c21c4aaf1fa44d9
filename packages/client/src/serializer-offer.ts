/**
 * What a client transport offers the router: serializers in the order of preference, given as
 * names, `Serializer` objects, Autobahn|JS serializer objects, or WAMP subprotocol names. The
 * WebSocket, RawSocket and long-poll transports share these rules, so one `serializers` option
 * means the same on each. Serializers given by name must be loaded (serializer-registry.ts).
 */
import { InvalidArgumentError, type Serializer, type SerializerName } from '@interchange/protocol';
import { createLoadedSerializer } from './serializer-registry.js';

/** A serializer as an option: `'json'`, `'msgpack'`, `'cbor'`, `'ubjson'`, or a `Serializer`. */
export type SerializerChoice = SerializerName | Serializer;

/**
 * Turns one option entry into a serializer.
 *
 * @throws InvalidArgumentError for anything else, or a name whose entry point was not imported.
 */
export function toSerializer(entry: SerializerChoice): Serializer {
  if (entry === 'json' || entry === 'msgpack' || entry === 'cbor' || entry === 'ubjson') {
    return createLoadedSerializer(entry);
  }
  if (
    typeof entry === 'object' &&
    entry !== null &&
    typeof entry.subprotocol === 'string' &&
    typeof entry.decode === 'function'
  ) {
    return entry;
  }
  throw new InvalidArgumentError(
    `unsupported serializer: ${String(entry)} (use 'json', 'msgpack', 'cbor', 'ubjson' or a Serializer)`,
  );
}

/**
 * Accepts serializer names, `Serializer`s, and Autobahn|JS serializer objects (which carry
 * `SERIALIZER_ID`), as Autobahn's `serializers` option holds them.
 *
 * @throws InvalidArgumentError for an Autobahn serializer Interchange does not speak.
 */
export function toSerializerChoice(entry: unknown): SerializerChoice {
  if (typeof entry === 'object' && entry !== null && 'SERIALIZER_ID' in entry) {
    const id = (entry as { SERIALIZER_ID: unknown }).SERIALIZER_ID;
    if (id === 'json' || id === 'msgpack' || id === 'cbor' || id === 'ubjson') return id;
    throw new InvalidArgumentError(`unsupported serializer: ${String(id)}`);
  }
  return entry as SerializerChoice;
}

/**
 * Subprotocol → serializer, in the order offered: from `protocols` (e.g. `['wamp.2.msgpack']`)
 * when given, otherwise from `serializers` (default `['json']`).
 *
 * @throws InvalidArgumentError for an empty list, an unknown serializer or subprotocol.
 */
export function offeredSerializers(options: {
  serializers?: readonly SerializerChoice[] | undefined;
  protocols?: readonly string[] | undefined;
}): Map<string, Serializer> {
  const offered = new Map<string, Serializer>();
  if (options.protocols !== undefined) {
    if (!Array.isArray(options.protocols) || options.protocols.length === 0) {
      throw new InvalidArgumentError('protocols must be a non-empty array of WAMP subprotocols');
    }
    for (const protocol of options.protocols) {
      const match =
        typeof protocol === 'string' ? /^wamp\.2\.(json|msgpack|cbor|ubjson)(\.batched)?$/.exec(protocol) : null;
      if (match === null) throw new InvalidArgumentError(`unsupported WAMP subprotocol: ${String(protocol)}`);
      offered.set(protocol, createLoadedSerializer(match[1] as SerializerName, { batched: match[2] !== undefined }));
    }
    return offered;
  }
  const serializers = options.serializers ?? ['json'];
  if (!Array.isArray(serializers) || serializers.length === 0) {
    throw new InvalidArgumentError('serializers must be a non-empty array');
  }
  for (const entry of serializers) {
    const codec = toSerializer(entry);
    offered.set(codec.subprotocol, codec);
  }
  return offered;
}
