/**
 * `@interchange/protocol/ubjson`: the UBJSON serializer and codec, and what makes
 * `createSerializer('ubjson')` and `serializerForSubprotocol('wamp.2.ubjson')` work.
 *
 * A separate entry point because its decoding library (@shelacek/ubjson) contains a
 * `require('util')` fallback that browser bundlers cannot resolve; the main entry point stays
 * free of it. A browser bundle that imports this one must map `util` to nothing (esbuild:
 * `external: ['util']`; webpack: `resolve.fallback: { util: false }`): the fallback never runs
 * where `TextEncoder` exists.
 *
 * @example
 * import '@interchange/protocol/ubjson';
 * createSerializer('ubjson', { batched: true }).subprotocol; // 'wamp.2.ubjson.batched'
 */
import { createUbjsonSerializer } from './serializer-ubjson.js';
import { registerUbjsonSerializer } from './serializers.js';

registerUbjsonSerializer(createUbjsonSerializer);

export { createUbjsonSerializer, decodeUbjson } from './serializer-ubjson.js';
export { encodeUbjson } from './ubjson-encoder.js';
