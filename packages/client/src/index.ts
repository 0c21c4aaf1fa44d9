/**
 * `@interchange/client`: a typed WAMP v2 client for browsers and Node 20+.
 *
 * - {@link connect} for one session, {@link Connection} for Autobahn-style reconnecting ones;
 * - {@link Session}: `call`, `register`, `subscribe`, `publish`, `leave`;
 * - transports: WebSocket ({@link connectWebSocket}), RawSocket in Node ({@link connectRawSocket}),
 *   HTTP long-poll over fetch ({@link connectLongPoll}) and in-memory ({@link createMemoryTransportPair});
 *   `Connection` and `connect` take Autobahn's `transports` list and fall back along it;
 * - the Autobahn|JS-compatible surface lives at `@interchange/client/autobahn`.
 *
 * @example
 * import { connect } from '@interchange/client';
 * const session = await connect({ url: 'ws://127.0.0.1:8080/ws', realm: 'realm1' });
 * await session.subscribe('com.example.on_vote', (event) => console.log(event.args));
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
export { auth_cra, authCra } from './auth-cra.js';
export type { NaclKeyPair } from './auth-cryptosign.js';
export { auth_cryptosign, CryptosignKey, verifyRouterSignature } from './auth-cryptosign.js';
export type {
  AuthOptions,
  ChannelBindingOption,
  ClientAuthentication,
  CryptosignAuthOptions,
  ScramAuthOptions,
} from './auth-options.js';
export { createClientAuthentication } from './auth-options.js';
export type { ScramMinimums } from './auth-scram.js';
export { ScramExchange } from './auth-scram.js';
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
} from './connection.js';
export { Connection, ConnectionBase } from './connection.js';
export type { EndedInfo } from './ended-info.js';
export { Event, Publication } from './event.js';
export { CALL_REROUTE_FEATURE, CLIENT_ROLES } from './features.js';
export type { InputChunk } from './invocation.js';
export { Invocation } from './invocation.js';
export type { Logger, LogMethod } from './logger.js';
export { silentLogger } from './logger.js';
export type { MetaEventHandler, TestamentOptions, TestamentPublishOptions, TestamentScope } from './meta-api.js';
export { MetaApi } from './meta-api.js';
export type { KillOptions } from './meta-procedures.js';
export { RegistrationMeta, SessionMeta, SubscriptionMeta } from './meta-procedures.js';
export type {
  HistoryEvent,
  HistoryQuery,
  IdsByMatch,
  MetaEvents,
  MetaIdEvent,
  MetaTopic,
  RegistrationInfo,
  SessionInfo,
  SubscriptionInfo,
} from './meta-types.js';
export { META_TOPICS } from './meta-types.js';
export type { PassthruOptions } from './passthru.js';
export { PASSTHRU_KEYS, passthruOf } from './passthru.js';
export type { PublishOptions } from './publisher.js';
export type {
  RawSocketConnector,
  RawSocketStream,
  RawSocketTarget,
  RawSocketTlsOptions,
  TlsMaterial,
} from './rawsocket-target.js';
export { parseRawSocketUrl } from './rawsocket-target.js';
export type { ProcedureHandler } from './registration.js';
export { Registration } from './registration.js';
export type { CallResult } from './result.js';
export { Result } from './result.js';
export type { PlannedRetry, RetryOptions } from './retry-schedule.js';
export { RetrySchedule } from './retry-schedule.js';
export type { SerializerChoice } from './serializer-offer.js';
export { Session } from './session.js';
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
export type { FetchLike, LongPollTransportOptions } from './transport-longpoll.js';
export { connectLongPoll, LongPollTransport, longPollTransportFactory } from './transport-longpoll.js';
export type {
  MemoryRouterEnd,
  MemoryRouterHandlers,
  MemoryTransportOptions,
  MemoryTransportPair,
} from './transport-memory.js';
export { createMemoryTransportPair } from './transport-memory.js';
export type { RawSocketTransportOptions } from './transport-rawsocket.js';
export {
  connectRawSocket,
  RawSocketRefusedError,
  RawSocketTransport,
  rawSocketTransportFactory,
} from './transport-rawsocket.js';
export type { WebSocketConstructor, WebSocketLike, WebSocketTransportOptions } from './transport-websocket.js';
export { connectWebSocket, WebSocketTransport, webSocketTransportFactory } from './transport-websocket.js';
export { WampApplicationError } from './wamp-application-error.js';
