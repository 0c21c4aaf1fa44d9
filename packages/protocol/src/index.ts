export {
  base64ToBytes,
  bytesToHex,
  constantTimeEqual,
  constantTimeEqualStrings,
  hexToBytes,
  randomBytes,
  utf8Bytes,
  xorBytes,
} from './auth-bytes.js';
export * from './auth-cryptosign.js';
export * from './auth-hash.js';
export * from './auth-methods.js';
export * from './auth-saslprep.js';
export * from './auth-scram.js';
export * from './auth-wampcra.js';
export { decodeBase64, encodeBase64 } from './base64.js';
export { CBOR_UINT8_ARRAY_TAG, CborTypedBytes } from './cbor-typed-bytes.js';
export * from './clock.js';
export * from './error-uris.js';
export * from './errors.js';
export * from './features.js';
export * from './ids.js';
export * from './logger.js';
export * from './longpoll-protocol.js';
export { type DecodeOptions, isPassthru, messageFromArray, messageToArray } from './message-codec.js';
export { messageFromWire, messageToWire } from './message-codec-lite.js';
export * from './message-codes.js';
export * from './messages.js';
export * from './rawsocket-framing.js';
export * from './roles.js';
export * from './serializer.js';
export { createCborSerializer } from './serializer-cbor.js';
export type { SerializerOptions } from './serializer-common.js';
export {
  AUTOBAHN_JSON_BATCH_SEPARATOR,
  createJsonSerializer,
  JSON_BATCH_SEPARATOR,
  type JsonBatchSeparator,
  type JsonSerializerOptions,
  jsonBatchSeparatorOf,
} from './serializer-json.js';
export { createLiteJsonSerializer } from './serializer-json-lite.js';
export { createMsgpackSerializer } from './serializer-msgpack.js';
export * from './serializers.js';
export * from './uri.js';
