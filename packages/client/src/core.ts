/**
 * `@interchange/client/core`: the small entry point for pages. Sessions, `connect` and
 * `Connection` with reconnect, the WebSocket transport, JSON, the typed API, and the
 * Autobahn|JS-compatible namespace as `autobahn` (without its auth helpers). Authentication
 * `anonymous` and `ticket` work; everything else is an import away, and naming it without the
 * import fails with that import in the message:
 *
 * - serializers: `@interchange/client/msgpack`, `@interchange/client/cbor`;
 * - transports: `@interchange/client/longpoll`, `@interchange/client/rawsocket` (Node);
 * - auth methods: `@interchange/client/auth/wampcra`, `/auth/cryptosign`, `/auth/scram`.
 *
 * `@interchange/client` is the same API with all of them loaded, for Node and for apps that
 * want everything.
 *
 * @example
 * import { connect } from '@interchange/client/core';
 * import '@interchange/client/cbor';
 * const session = await connect({ url: 'wss://example.com/ws', realm: 'realm1', serializers: ['cbor'] });
 */

export * from './api-core.js';
export { autobahn } from './autobahn-core.js';
