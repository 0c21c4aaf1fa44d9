/**
 * The entry of the bundles the in-process micro benchmarks load (router-core-ab.mjs): the
 * server's public face, plus the WebSocket transport classes the fan-out scenario drives over
 * fake sockets, which the public face does not export.
 */
export * from '../../packages/server/src/index.js';
export { TickFlusher } from '../../packages/server/src/transports/tick-flusher.js';
export { WebSocketConnection } from '../../packages/server/src/transports/websocket-connection.js';
