/**
 * `@interchange/client`: a typed WAMP v2 client for browsers and Node 20+, with every
 * serializer, transport and authentication method loaded.
 *
 * - {@link connect} for one session, {@link Connection} for Autobahn-style reconnecting ones;
 * - {@link Session}: `call`, `register`, `subscribe`, `publish`, `leave`;
 * - transports: WebSocket ({@link connectWebSocket}), RawSocket in Node ({@link connectRawSocket}),
 *   HTTP long-poll over fetch ({@link connectLongPoll}) and in-memory ({@link createMemoryTransportPair});
 *   `Connection` and `connect` take Autobahn's `transports` list and fall back along it;
 * - serializers `json`, `msgpack`, `cbor`; auth `anonymous`, `ticket`, `wampcra`, `cryptosign`, `scram`;
 * - the Autobahn|JS-compatible surface lives at `@interchange/client/autobahn`.
 *
 * A page that needs less imports `@interchange/client/core` and the entry points it uses (core.ts).
 *
 * @example
 * import { connect } from '@interchange/client';
 * const session = await connect({ url: 'ws://127.0.0.1:8080/ws', realm: 'realm1' });
 * await session.subscribe('com.example.on_vote', (event) => console.log(event.args));
 */

export * from './api-core.js';
export * from './entry-auth-cryptosign.js';
export * from './entry-auth-scram.js';
export * from './entry-auth-wampcra.js';
export * from './entry-cbor.js';
export * from './entry-longpoll.js';
export * from './entry-meta.js';
export * from './entry-msgpack.js';
export * from './entry-rawsocket.js';
export type {
  MemoryRouterEnd,
  MemoryRouterHandlers,
  MemoryTransportOptions,
  MemoryTransportPair,
} from './transport-memory.js';
export { createMemoryTransportPair } from './transport-memory.js';
