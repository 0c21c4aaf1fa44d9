/**
 * The typed API every entry point shares: sessions, `connect` and `Connection` with reconnect,
 * the WebSocket transport and the JSON serializer. What needs more code (msgpack, CBOR,
 * long-poll, RawSocket, WAMP-CRA, Cryptosign, SCRAM) is registered by its own entry point
 * (serializer-registry.ts, transport-registry.ts, auth-registry.ts); index.ts loads them all.
 */

export type { Clock, Dict, Serializer, SerializerName } from '@interchange/protocol';
export {
  ApplicationError,
  CanceledError,
  ErrorCode,
  ErrorUri,
  InvalidArgumentError,
  ProtocolViolationError,
  RawSocketHandshakeError,
  SessionClosedError,
  TimeoutError,
  TransportError,
  WampError,
} from '@interchange/protocol';
export type {
  AuthOptions,
  ChannelBindingOption,
  ClientAuthentication,
  CryptosignAuthOptions,
  ScramAuthOptions,
} from './auth-options.js';
export { createClientAuthentication } from './auth-options.js';
export type { AuthMethodFactory, AuthMethodOptions, OptionalAuthMethod } from './auth-registry.js';
export { OPTIONAL_AUTH_METHODS, registerAuthMethod } from './auth-registry.js';
export type { InvokePolicy, RegisterOptions } from './callee.js';
export { RUNTIME_ERROR_URI } from './callee.js';
export type { CallOptions, CancelMode, ProgressiveCallOptions, StreamingCallOptions } from './caller.js';
export { ProgressiveCall, StreamingCall } from './caller.js';
export type { ConnectOptions } from './connect.js';
export { connect } from './connect.js';
export type {
  ConnectionChallengeHandler,
  ConnectionCloseDetails,
  ConnectionCloseReason,
  ConnectionOptions,
  ConnectionTransportInfo,
  TypedConnectionOptions,
} from './connection.js';
export { Connection, ConnectionBase } from './connection.js';
export type { EndedInfo } from './ended-info.js';
export { Event, Publication } from './event.js';
export { CALL_REROUTE_FEATURE, CLIENT_ROLES } from './features.js';
export type { InputChunk } from './invocation.js';
export { Invocation } from './invocation.js';
export type { Logger, LogMethod } from './logger.js';
export { silentLogger } from './logger.js';
export type { MetaApi } from './meta-api.js';
export type { PassthruOptions } from './passthru.js';
export { PASSTHRU_KEYS, passthruOf } from './passthru.js';
export type { PublishOptions } from './publisher.js';
export type { RawSocketTlsOptions, TlsMaterial } from './rawsocket-target.js';
export type { ProcedureHandler } from './registration.js';
export { Registration } from './registration.js';
export type { CallResult } from './result.js';
export { Result } from './result.js';
export type { PlannedRetry, RetryOptions } from './retry-schedule.js';
export { RetrySchedule } from './retry-schedule.js';
export type { SerializerChoice } from './serializer-offer.js';
export type { SerializerFactory } from './serializer-registry.js';
export { registerSerializer, serializerLoaded } from './serializer-registry.js';
export { Session } from './session.js';
export type { RestoreFailure, RestoreReport } from './session-restore.js';
export type {
  Challenge,
  ChallengeHandler,
  ChallengeResponse,
  SessionCloseInfo,
  SessionCloseKind,
  SessionOptions,
  SessionState,
} from './session-types.js';
export { CANNOT_AUTHENTICATE_REASON, TRANSPORT_LOST_REASON } from './session-types.js';
export type { SubscribeOptions } from './subscriber.js';
export type { EventHandler } from './subscription.js';
export { Subscription } from './subscription.js';
export * from './transport.js';
export type { TransportChoice, TransportConfig, TransportDefaults, TransportType } from './transport-list.js';
export { TRANSPORT_TYPES, transportFactoryOf, transportTypeOfUrl } from './transport-list.js';
export type { FetchLike } from './transport-longpoll.js';
export type { OptionalTransportType, TransportEntryShared, TransportPlugin } from './transport-registry.js';
export { OPTIONAL_TRANSPORTS, registerTransport } from './transport-registry.js';
export type { WebSocketConstructor, WebSocketLike, WebSocketTransportOptions } from './transport-websocket.js';
export { connectWebSocket, WebSocketTransport, webSocketTransportFactory } from './transport-websocket.js';
export { WampApplicationError } from './wamp-application-error.js';
