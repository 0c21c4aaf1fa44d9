/**
 * Advanced Profile feature names, per role, as announced in
 * `HELLO.Details.roles.<role>.features.<feature>|bool` and `WELCOME.Details.roles.<role>.features`
 * (spec: advanced profile, "Feature Announcement" of each section).
 *
 * These are the wire names; the router announces in WELCOME only those that work.
 */

/** Features of the RPC roles (caller, callee, dealer). */
export const RpcFeature = {
  PROGRESSIVE_CALL_RESULTS: 'progressive_call_results',
  PROGRESSIVE_CALL_INVOCATIONS: 'progressive_call_invocations',
  CALL_TIMEOUT: 'call_timeout',
  CALL_CANCELING: 'call_canceling',
  CALLER_IDENTIFICATION: 'caller_identification',
  CALL_TRUSTLEVELS: 'call_trustlevels',
  REGISTRATION_META_API: 'registration_meta_api',
  PATTERN_BASED_REGISTRATION: 'pattern_based_registration',
  SHARED_REGISTRATION: 'shared_registration',
  SHARDED_REGISTRATION: 'sharded_registration',
  REGISTRATION_REVOCATION: 'registration_revocation',
  TESTAMENT_META_API: 'testament_meta_api',
  SESSION_META_API: 'session_meta_api',
  PAYLOAD_PASSTHRU_MODE: 'payload_passthru_mode',
} as const;
export type RpcFeatureName = (typeof RpcFeature)[keyof typeof RpcFeature];

/** Features of the PubSub roles (publisher, subscriber, broker). */
export const PubSubFeature = {
  SUBSCRIBER_BLACKWHITE_LISTING: 'subscriber_blackwhite_listing',
  PUBLISHER_EXCLUSION: 'publisher_exclusion',
  PUBLISHER_IDENTIFICATION: 'publisher_identification',
  PUBLICATION_TRUSTLEVELS: 'publication_trustlevels',
  SUBSCRIPTION_META_API: 'subscription_meta_api',
  PATTERN_BASED_SUBSCRIPTION: 'pattern_based_subscription',
  SHARDED_SUBSCRIPTION: 'sharded_subscription',
  EVENT_HISTORY: 'event_history',
  EVENT_RETENTION: 'event_retention',
  SUBSCRIPTION_REVOCATION: 'subscription_revocation',
  TESTAMENT_META_API: 'testament_meta_api',
  SESSION_META_API: 'session_meta_api',
  PAYLOAD_PASSTHRU_MODE: 'payload_passthru_mode',
  /** Older name of payload passthru used by Autobahn|Python and the test vectors (`enc_algo`). */
  PAYLOAD_TRANSPARENCY: 'payload_transparency',
} as const;
export type PubSubFeatureName = (typeof PubSubFeature)[keyof typeof PubSubFeature];

/** Any feature name above. */
export type FeatureName = RpcFeatureName | PubSubFeatureName;

/**
 * Which features each role may announce (spec: the "Feature Announcement" paragraph of each
 * advanced profile section names the roles). A router builds its WELCOME from the broker and
 * dealer lists; a client builds its HELLO from the others.
 */
export const RoleFeatures = {
  caller: [
    RpcFeature.PROGRESSIVE_CALL_RESULTS,
    RpcFeature.PROGRESSIVE_CALL_INVOCATIONS,
    RpcFeature.CALL_TIMEOUT,
    RpcFeature.CALL_CANCELING,
    RpcFeature.CALLER_IDENTIFICATION,
    RpcFeature.PAYLOAD_PASSTHRU_MODE,
  ],
  callee: [
    RpcFeature.PROGRESSIVE_CALL_RESULTS,
    RpcFeature.PROGRESSIVE_CALL_INVOCATIONS,
    RpcFeature.CALL_TIMEOUT,
    RpcFeature.CALL_CANCELING,
    RpcFeature.CALLER_IDENTIFICATION,
    RpcFeature.CALL_TRUSTLEVELS,
    RpcFeature.PATTERN_BASED_REGISTRATION,
    RpcFeature.SHARED_REGISTRATION,
    RpcFeature.SHARDED_REGISTRATION,
    RpcFeature.REGISTRATION_REVOCATION,
    RpcFeature.PAYLOAD_PASSTHRU_MODE,
  ],
  dealer: [
    RpcFeature.PROGRESSIVE_CALL_RESULTS,
    RpcFeature.PROGRESSIVE_CALL_INVOCATIONS,
    RpcFeature.CALL_TIMEOUT,
    RpcFeature.CALL_CANCELING,
    RpcFeature.CALLER_IDENTIFICATION,
    RpcFeature.CALL_TRUSTLEVELS,
    RpcFeature.REGISTRATION_META_API,
    RpcFeature.PATTERN_BASED_REGISTRATION,
    RpcFeature.SHARED_REGISTRATION,
    RpcFeature.SHARDED_REGISTRATION,
    RpcFeature.REGISTRATION_REVOCATION,
    RpcFeature.TESTAMENT_META_API,
    RpcFeature.SESSION_META_API,
    RpcFeature.PAYLOAD_PASSTHRU_MODE,
  ],
  publisher: [
    PubSubFeature.PUBLISHER_EXCLUSION,
    PubSubFeature.PUBLISHER_IDENTIFICATION,
    PubSubFeature.SUBSCRIBER_BLACKWHITE_LISTING,
    PubSubFeature.PAYLOAD_PASSTHRU_MODE,
  ],
  subscriber: [
    PubSubFeature.PUBLISHER_IDENTIFICATION,
    PubSubFeature.PUBLICATION_TRUSTLEVELS,
    PubSubFeature.PATTERN_BASED_SUBSCRIPTION,
    PubSubFeature.SHARDED_SUBSCRIPTION,
    PubSubFeature.EVENT_HISTORY,
    PubSubFeature.SUBSCRIPTION_REVOCATION,
    PubSubFeature.PAYLOAD_PASSTHRU_MODE,
  ],
  broker: [
    PubSubFeature.PUBLISHER_EXCLUSION,
    PubSubFeature.PUBLISHER_IDENTIFICATION,
    PubSubFeature.SUBSCRIBER_BLACKWHITE_LISTING,
    PubSubFeature.PUBLICATION_TRUSTLEVELS,
    PubSubFeature.SUBSCRIPTION_META_API,
    PubSubFeature.PATTERN_BASED_SUBSCRIPTION,
    PubSubFeature.SHARDED_SUBSCRIPTION,
    PubSubFeature.EVENT_HISTORY,
    PubSubFeature.EVENT_RETENTION,
    PubSubFeature.SUBSCRIPTION_REVOCATION,
    PubSubFeature.TESTAMENT_META_API,
    PubSubFeature.SESSION_META_API,
    PubSubFeature.PAYLOAD_PASSTHRU_MODE,
  ],
} as const;

/**
 * Whether a HELLO or WELCOME role entry (`details.roles.<role>`) announces `feature`.
 * Tolerates missing or malformed `features` (an announcement that is not `true` is no announcement).
 *
 * @example
 * hasFeature(hello.details.roles?.caller, 'call_canceling');
 */
export function hasFeature(roleDetails: unknown, feature: FeatureName): boolean {
  if (typeof roleDetails !== 'object' || roleDetails === null) return false;
  const features = (roleDetails as { features?: unknown }).features;
  if (typeof features !== 'object' || features === null) return false;
  return (features as Record<string, unknown>)[feature] === true;
}
