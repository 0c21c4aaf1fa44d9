/**
 * `@interchange/client/ubjson`: lets `serializers: ['ubjson']` and `protocols:
 * ['wamp.2.ubjson']` work (serializer-registry.ts), for routers that speak UBJSON only. The core
 * entry point speaks JSON only. In a browser bundle, map `util` to nothing (see
 * `@interchange/protocol/ubjson`).
 *
 * @example
 * import { connect } from '@interchange/client/core';
 * import '@interchange/client/ubjson';
 * const session = await connect({ url, realm: 'realm1', serializers: ['ubjson'] });
 */
import { createUbjsonSerializer } from '@interchange/protocol/ubjson';
import { registerSerializer } from './serializer-registry.js';

registerSerializer('ubjson', createUbjsonSerializer);

export { createUbjsonSerializer };
