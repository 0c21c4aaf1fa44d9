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
export * from './broker.js';
export * from './cluster-backend.js';
export * from './dealer.js';
export {
  DEFAULT_EVENT_HISTORY_LIMIT,
  type EventHistoryEntry,
  EventHistoryLog,
  eventHistoryEntries,
  type StoredEvent,
} from './event-history.js';
export { forceReregisterRefusal } from './force-reregister.js';
export * from './logger.js';
export { META_DEALER_FEATURES, MetaApi, type MetaApiContext } from './meta-api.js';
export { NO_SUCH_SESSION } from './meta-arguments.js';
export { type JoinedSession, KILLED_REASON, sessionDetails } from './meta-sessions.js';
export { HISTORY_UNAVAILABLE, subscriptionDetails } from './meta-subscriptions.js';
export { OffenderLog, peerAddressOf } from './offender-log.js';
export * from './pattern-index.js';
export * from './peer.js';
export * from './protocol-violation.js';
export * from './realm.js';
export * from './realm-config.js';
export {
  DEFAULT_REALM_LIMITS,
  REGISTRATIONS_LIMIT_REACHED,
  type RealmLimits,
  type RealmLimitsConfig,
  realmLimits,
  SUBSCRIPTIONS_LIMIT_REACHED,
} from './realm-limits.js';
export * from './realm-member.js';
export * from './realm-store.js';
export { compileReceiverFilter, type FilterSubject, type ReceiverFilter } from './receiver-filter.js';
export * from './registration-store.js';
export {
  MAX_LIMITED_RETAINED_EVENTS,
  type RetainedBounds,
  type RetainedEvent,
  RetainedEvents,
  type RetainOutcome,
} from './retained-events.js';
export * from './router.js';
export {
  type RouterProcedureCall,
  type RouterProcedureHandler,
  type RouterProcedureOutcome,
  type RouterProcedureResult,
  RouterProcedures,
  RUNTIME_ERROR_URI,
  runRouterProcedure,
} from './router-procedures.js';
export * from './router-session.js';
export * from './router-stats.js';
export * from './static-authorizer.js';
export { MAX_TESTAMENTS_PER_SCOPE, TESTAMENT_ERROR, TestamentScope, type TestamentScopeValue } from './testaments.js';
export { CROSSBAR_DIALECT, resolveDialect, type WampDialect, type WampDialectConfig } from './wamp-dialect.js';
