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
export { ProgressiveCall, StreamingCall } from './caller.js';
export type { CallOptions, ProgressiveCallOptions, StreamingCallOptions, CancelMode } from './caller.js';
export { RUNTIME_ERROR_URI } from './callee.js';
export type { RegisterOptions, InvokePolicy } from './callee.js';
export type { SubscribeOptions } from './subscriber.js';
export type { PublishOptions } from './publisher.js';
export { Result } from './result.js';
export type { CallResult } from './result.js';
export { Invocation } from './invocation.js';
export type { InputChunk } from './invocation.js';
export type { EndedInfo } from './ended-info.js';
export { PASSTHRU_KEYS, passthruOf } from './passthru.js';
export type { PassthruOptions } from './passthru.js';
export { MetaApi } from './meta-api.js';
export type { MetaEventHandler, TestamentOptions, TestamentPublishOptions, TestamentScope } from './meta-api.js';
export { SessionMeta, RegistrationMeta, SubscriptionMeta } from './meta-procedures.js';
export type { KillOptions } from './meta-procedures.js';
export { META_TOPICS } from './meta-types.js';
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
} from './connection.js';
export { RetrySchedule } from './retry-schedule.js';
export type { RetryOptions, PlannedRetry } from './retry-schedule.js';
export { connect } from './connect.js';
export type { ConnectOptions } from './connect.js';
export { connectWebSocket, webSocketTransportFactory, WebSocketTransport } from './transport-websocket.js';
export type { WebSocketTransportOptions, WebSocketLike, WebSocketConstructor } from './transport-websocket.js';
export { connectRawSocket, rawSocketTransportFactory, RawSocketTransport, RawSocketRefusedError } from './transport-rawsocket.js';
export type { RawSocketTransportOptions } from './transport-rawsocket.js';
export { parseRawSocketUrl } from './rawsocket-target.js';
export type { RawSocketTarget, RawSocketTlsOptions, RawSocketStream, RawSocketConnector, TlsMaterial } from './rawsocket-target.js';
export { connectLongPoll, longPollTransportFactory, LongPollTransport } from './transport-longpoll.js';
export type { LongPollTransportOptions, FetchLike } from './transport-longpoll.js';
export { TRANSPORT_TYPES, transportTypeOfUrl, transportFactoryOf } from './transport-list.js';
export type { TransportConfig, TransportDefaults, TransportChoice, TransportType } from './transport-list.js';
export type { SerializerChoice } from './serializer-offer.js';
export { createMemoryTransportPair } from './transport-memory.js';
export type { MemoryTransportOptions, MemoryTransportPair, MemoryRouterEnd, MemoryRouterHandlers } from './transport-memory.js';
export { CLIENT_ROLES, CALL_REROUTE_FEATURE } from './features.js';
export { WampApplicationError } from './wamp-application-error.js';
export { silentLogger } from './logger.js';
export type { Logger, LogMethod } from './logger.js';
export { RawSocketHandshakeError } from '@interchange/protocol';
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
export { authCra, auth_cra } from './auth-cra.js';
export { CryptosignKey, verifyRouterSignature, auth_cryptosign } from './auth-cryptosign.js';
export type { NaclKeyPair } from './auth-cryptosign.js';
export { ScramExchange } from './auth-scram.js';
export type { ScramMinimums } from './auth-scram.js';
export { createClientAuthentication } from './auth-options.js';
export type { AuthOptions, ClientAuthentication, CryptosignAuthOptions, ScramAuthOptions, ChannelBindingOption } from './auth-options.js';
