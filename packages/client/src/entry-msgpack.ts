/**
 * `@interchange/client/msgpack`: lets `serializers: ['msgpack']` and `protocols:
 * ['wamp.2.msgpack']` work (serializer-registry.ts). The core entry point speaks JSON only.
 *
 * @example
 * import { connect } from '@interchange/client/core';
 * import '@interchange/client/msgpack';
 * const session = await connect({ url, realm: 'realm1', serializers: ['msgpack'] });
 */
import { createMsgpackSerializer } from '@interchange/protocol';
import { registerSerializer } from './serializer-registry.js';

registerSerializer('msgpack', createMsgpackSerializer);

export { createMsgpackSerializer };
