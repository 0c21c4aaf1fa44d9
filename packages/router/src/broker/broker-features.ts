/**
 * The broker's feature announcement, apart from the broker so that the session (which builds
 * WELCOME) needs only this list, as it takes the dealer's from `dealer/dealer-features.ts`.
 */
import { PubSubFeature, type PubSubFeatureName } from '@interchange/protocol';

/**
 * The broker features this router implements, announced in `WELCOME.Details.roles.broker`
 * (spec: "Router: Role and Feature Announcement"; each feature's "Feature Announcement").
 * `session_meta_api` is announced by broker and dealer alike (spec: "Session Meta API":
 * "MUST be announced by both Dealers and Brokers").
 */
export const BROKER_FEATURES: Readonly<Partial<Record<PubSubFeatureName, true>>> = Object.freeze({
  [PubSubFeature.PATTERN_BASED_SUBSCRIPTION]: true,
  [PubSubFeature.PUBLISHER_EXCLUSION]: true,
  [PubSubFeature.PUBLISHER_IDENTIFICATION]: true,
  [PubSubFeature.SUBSCRIBER_BLACKWHITE_LISTING]: true,
  [PubSubFeature.PAYLOAD_PASSTHRU_MODE]: true,
  [PubSubFeature.EVENT_RETENTION]: true,
  [PubSubFeature.EVENT_HISTORY]: true,
  [PubSubFeature.SUBSCRIPTION_REVOCATION]: true,
  [PubSubFeature.SUBSCRIPTION_META_API]: true,
  [PubSubFeature.SESSION_META_API]: true,
});
