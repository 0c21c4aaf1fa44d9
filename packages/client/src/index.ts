/**
 * `@interchange/client`: a typed WAMP v2 client for browsers and Node 20+.
 *
 * - {@link connect} for one session, {@link Connection} for Autobahn-style reconnecting ones;
 * - {@link Session}: `call`, `register`, `subscribe`, `publish`, `leave`;
 * - transports: WebSocket ({@link connectWebSocket}) and in-memory ({@link createMemoryTransportPair});
 * - the Autobahn|JS-compatible surface lives at `@interchange/client/autobahn`.
 *
 * @example
 * import { connect } from '@interchange/client';
 * const session = await connect({ url: 'ws://127.0.0.1:8080/ws', realm: 'realm1' });
 * await session.subscribe('com.example.on_vote', (event) => console.log(event.args));
 */
export * from './transport.js';
export { Session } from './session.js';
export { TRANSPORT_LOST_REASON, CANNOT_AUTHENTICATE_REASON } from './session-types.js';
export type {
  SessionOptions,
  SessionState,
  SessionCloseInfo,
  SessionCloseKind,
  Challenge,
  ChallengeHandler,
  ChallengeResponse,
} from './session-types.js';
export { ProgressiveCall } from './caller.js';
export type { CallOptions, ProgressiveCallOptions, CancelMode } from './caller.js';
export { RUNTIME_ERROR_URI } from './callee.js';
export type { RegisterOptions } from './callee.js';
export type { SubscribeOptions } from './subscriber.js';
export type { PublishOptions } from './publisher.js';
export { Result } from './result.js';
export type { CallResult } from './result.js';
export { Invocation } from './invocation.js';
export { Registration } from './registration.js';
export type { ProcedureHandler } from './registration.js';
export { Subscription } from './subscription.js';
export type { EventHandler } from './subscription.js';
export { Event, Publication } from './event.js';
export { Connection, ConnectionBase } from './connection.js';
export type {
  ConnectionOptions,
  ConnectionCloseReason,
  ConnectionCloseDetails,
  ConnectionChallengeHandler,
  ConnectionTransportInfo,
  TransportConfig,
} from './connection.js';
export { RetrySchedule } from './retry-schedule.js';
export type { RetryOptions, PlannedRetry } from './retry-schedule.js';
export { connect } from './connect.js';
export type { ConnectOptions } from './connect.js';
export { connectWebSocket, webSocketTransportFactory, WebSocketTransport } from './transport-websocket.js';
export type { WebSocketTransportOptions, WebSocketLike, WebSocketConstructor } from './transport-websocket.js';
export { createMemoryTransportPair } from './transport-memory.js';
export type { MemoryTransportOptions, MemoryTransportPair, MemoryRouterEnd, MemoryRouterHandlers } from './transport-memory.js';
export { CLIENT_ROLES } from './features.js';
export { WampApplicationError } from './wamp-application-error.js';
export { silentLogger } from './logger.js';
export type { Logger, LogMethod } from './logger.js';
export {
  WampError,
  ApplicationError,
  ProtocolViolationError,
  TransportError,
  TimeoutError,
  CanceledError,
  SessionClosedError,
  InvalidArgumentError,
  ErrorCode,
  ErrorUri,
} from '@interchange/protocol';
export type { Clock, Dict, SerializerName, Serializer } from '@interchange/protocol';
