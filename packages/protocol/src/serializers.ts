/**
 * The serializer registry: which WebSocket subprotocols Interchange speaks, in which order of
 * preference, and a factory for each.
 */
import { InvalidArgumentError } from './errors.js';
import type { DecodeOptions } from './message-codec.js';
import type { Serializer, SerializerName } from './serializer.js';
import { createCborSerializer } from './serializer-cbor.js';
import type { SerializerOptions } from './serializer-common.js';
import { createJsonSerializer, type JsonBatchSeparator } from './serializer-json.js';
import { createMsgpackSerializer } from './serializer-msgpack.js';

/**
 * Subprotocols in order of preference, for a client's offer and a server's choice.
 *
 * Binary serializers come first: they carry binary payloads natively (JSON needs base64, a third
 * larger) and keep integers exact. CBOR leads because it is an IETF standard (RFC 8949) that the
 * WAMP spec recommends alongside JSON and every major WAMP implementation speaks; msgpack is as
 * compact. JSON, the one serializer every peer must support, follows; UBJSON, spoken mostly by
 * Autobahn|Python peers (which offer the others too), comes last among the unbatched forms. Batched forms follow: they save frames only under load and are offered last so a peer
 * that knows both picks the simpler unbatched one.
 */
export const SUBPROTOCOLS = [
  'wamp.2.cbor',
  'wamp.2.msgpack',
  'wamp.2.json',
  'wamp.2.ubjson',
  'wamp.2.cbor.batched',
  'wamp.2.msgpack.batched',
  'wamp.2.json.batched',
  'wamp.2.ubjson.batched',
] as const;
/** One of {@link SUBPROTOCOLS}. */
export type Subprotocol = (typeof SUBPROTOCOLS)[number];

/**
 * Options of {@link createSerializer}: the `.batched` form, validation options, and for batched
 * JSON the separator to write (`wamp.2.json.batched` has two in use; decoding accepts both).
 */
export interface CreateSerializerOptions extends SerializerOptions {
  batchSeparator?: JsonBatchSeparator;
}

/**
 * UBJSON loads on demand (`@interchange/protocol/ubjson` sets this): its codec library holds a
 * `require('util')` that browser bundlers cannot resolve, so the package's main entry point,
 * which every browser bundle of the client pulls in, must not reach it.
 */
let ubjsonFactory: ((options: CreateSerializerOptions) => Serializer) | undefined;

/** Makes `createSerializer('ubjson')` work; called by `@interchange/protocol/ubjson`. */
export function registerUbjsonSerializer(factory: (options: CreateSerializerOptions) => Serializer): void {
  ubjsonFactory = factory;
}

/**
 * Creates a serializer by name.
 *
 * @example
 * const serializer = createSerializer('cbor', { batched: true });
 * serializer.subprotocol; // 'wamp.2.cbor.batched'
 */
export function createSerializer(name: SerializerName, options: CreateSerializerOptions = {}): Serializer {
  switch (name) {
    case 'json':
      return createJsonSerializer(options);
    case 'msgpack':
      return createMsgpackSerializer(options);
    case 'cbor':
      return createCborSerializer(options);
    case 'ubjson': {
      const factory = ubjsonFactory;
      if (factory === undefined) {
        throw new InvalidArgumentError("the ubjson serializer is not loaded: import '@interchange/protocol/ubjson'");
      }
      return factory(options);
    }
  }
}

/**
 * The serializer for a WebSocket subprotocol (or RawSocket serializer name), or `undefined`
 * when Interchange does not speak it.
 *
 * @example
 * serializerForSubprotocol('wamp.2.json')?.name; // 'json'
 */
export function serializerForSubprotocol(
  name: string,
  options: { decode?: DecodeOptions; batchSeparator?: JsonBatchSeparator } = {},
): Serializer | undefined {
  const match = /^wamp\.2\.(json|msgpack|cbor|ubjson)(\.batched)?$/.exec(name);
  if (match === null || (match[1] === 'ubjson' && ubjsonFactory === undefined)) return undefined;
  return createSerializer(match[1] as SerializerName, { ...options, batched: match[2] !== undefined });
}
