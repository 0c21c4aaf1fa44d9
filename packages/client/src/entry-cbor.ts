/**
 * `@interchange/client/cbor`: lets `serializers: ['cbor']` and `protocols: ['wamp.2.cbor']` work
 * (serializer-registry.ts). The core entry point speaks JSON only.
 *
 * @example
 * import { connect } from '@interchange/client/core';
 * import '@interchange/client/cbor';
 * const session = await connect({ url, realm: 'realm1', serializers: ['cbor'] });
 */
import { CBOR_UINT8_ARRAY_TAG, CborTypedBytes, createCborSerializer } from '@interchange/protocol';
import { registerSerializer } from './serializer-registry.js';

registerSerializer('cbor', createCborSerializer);

export { CBOR_UINT8_ARRAY_TAG, CborTypedBytes, createCborSerializer };
