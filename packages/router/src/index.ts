export {
  AuthThrottle,
  DEFAULT_THROTTLE,
  remoteAddress,
  type ThrottleLimits,
  type ThrottleOptions,
} from './auth/auth-throttle.js';
export { readAuthorizerAnswer } from './auth/dynamic-authorizer.js';
export { INTERNAL_PRINCIPAL } from './auth/internal-caller.js';
export type { Principal } from './auth/principal.js';
export { AUTH_DEFAULTS, type RouterAuthOptions } from './auth/router-auth.js';
export { AUTHENTICATION_FAILED_MESSAGE } from './auth/session-authentication.js';
export * from './auth/transport-auth.js';
export * from './broker/broker.js';
export { BROKER_FEATURES } from './broker/broker-features.js';
export {
  DEFAULT_EVENT_HISTORY_LIMIT,
  type EventHistoryEntry,
  EventHistoryLog,
  eventHistoryEntries,
  isStorable,
  type StoredEvent,
} from './broker/event-history.js';
export type { PublicationRefusal } from './broker/publication.js';
export { compileReceiverFilter, type FilterSubject, type ReceiverFilter } from './broker/receiver-filter.js';
export {
  MAX_LIMITED_RETAINED_EVENTS,
  type RetainedBounds,
  type RetainedEvent,
  RetainedEvents,
  type RetainOutcome,
} from './broker/retained-events.js';
export type { Subscription, SubscriptionObserver } from './broker/subscription.js';
export {
  MAX_TESTAMENTS_PER_SCOPE,
  TESTAMENT_ERROR,
  TestamentScope,
  type TestamentScopeValue,
} from './broker/testaments.js';
export * from './cluster-backend.js';
export * from './dealer/dealer.js';
export { forceReregisterRefusal } from './dealer/force-reregister.js';
export * from './dealer/registration-store.js';
export * from './logger.js';
export * from './matching/pattern-index.js';
export { META_DEALER_FEATURES, MetaApi, type MetaApiContext } from './meta/meta-api.js';
export { NO_SUCH_SESSION } from './meta/meta-arguments.js';
export { type JoinedSession, KILLED_REASON, sessionDetails } from './meta/meta-sessions.js';
export { HISTORY_UNAVAILABLE, subscriptionDetails } from './meta/meta-subscriptions.js';
export {
  type RouterProcedureCall,
  type RouterProcedureHandler,
  type RouterProcedureOutcome,
  type RouterProcedureResult,
  RouterProcedures,
  RUNTIME_ERROR_URI,
  runRouterProcedure,
} from './meta/router-procedures.js';
export { ON_STATS, SessionStats, type SessionStatsSettings, sessionStatsSettings } from './meta/session-stats.js';
export { OffenderLog, peerAddressOf } from './offender-log.js';
export * from './realm/realm.js';
export * from './realm/realm-config.js';
export {
  DEFAULT_REALM_LIMITS,
  REGISTRATIONS_LIMIT_REACHED,
  type RealmLimits,
  type RealmLimitsConfig,
  realmLimits,
  SUBSCRIPTIONS_LIMIT_REACHED,
} from './realm/realm-limits.js';
export * from './realm/realm-member.js';
export * from './realm/realm-store.js';
export * from './realm/static-authorizer.js';
export { CROSSBAR_DIALECT, resolveDialect, type WampDialect, type WampDialectConfig } from './realm/wamp-dialect.js';
export * from './router.js';
export * from './router-stats.js';
export * from './session/peer.js';
export * from './session/protocol-violation.js';
export * from './session/router-session.js';
export { TrafficMeter, type TrafficMeterSettings, type TrafficStats } from './session/traffic-meter.js';
export type { RouterPlacement } from './session/welcome-details.js';
