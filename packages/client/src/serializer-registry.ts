/**
 * Which serializers a client can offer by name. The core knows JSON, the one serializer every
 * WAMP peer speaks; msgpack and CBOR add themselves when their entry point is imported
 * (`@interchange/client/msgpack`, `@interchange/client/cbor`; the full `@interchange/client`
 * imports both; UBJSON, rarely needed, only loads from `@interchange/client/ubjson`). So a page that speaks JSON never downloads a binary codec, and a name that is
 * not loaded fails at once with the import that loads it, instead of silently falling back.
 */
import {
  createLiteJsonSerializer,
  InvalidArgumentError,
  type Serializer,
  type SerializerName,
} from '@interchange/protocol';

/** Makes a serializer, plain or `.batched`. */
export type SerializerFactory = (options: { batched?: boolean }) => Serializer;

// JSON on the client's codec (serializer-json-lite.ts): the router is trusted to send valid
// messages, so the client checks their types, not every rule a router checks of its clients.
const factories = new Map<SerializerName, SerializerFactory>([['json', createLiteJsonSerializer]]);

/** The entry point that registers each optional serializer, for the error message. */
const ENTRY_OF: Record<SerializerName, string> = {
  json: '@interchange/client',
  msgpack: '@interchange/client/msgpack',
  cbor: '@interchange/client/cbor',
  ubjson: '@interchange/client/ubjson',
};

/**
 * Makes `name` available to the `serializers` and `protocols` options of every transport.
 * Called by the serializer entry points; an application rarely needs it.
 *
 * @example
 * import { createMsgpackSerializer } from '@interchange/protocol';
 * registerSerializer('msgpack', createMsgpackSerializer);
 */
export function registerSerializer(name: SerializerName, factory: SerializerFactory): void {
  factories.set(name, factory);
}

/** Whether `name` can be offered by name in this bundle. */
export function serializerLoaded(name: SerializerName): boolean {
  return factories.has(name);
}

/**
 * Creates the serializer `name`.
 *
 * @throws InvalidArgumentError when its entry point was not imported.
 */
export function createLoadedSerializer(name: SerializerName, options: { batched?: boolean } = {}): Serializer {
  const factory = factories.get(name);
  if (factory === undefined) {
    throw new InvalidArgumentError(
      name === 'ubjson'
        ? `the ubjson serializer is not loaded: import '${ENTRY_OF[name]}'`
        : `the ${name} serializer is not loaded: import '${ENTRY_OF[name]}' (or '@interchange/client', which loads every other serializer)`,
    );
  }
  return factory(options);
}
