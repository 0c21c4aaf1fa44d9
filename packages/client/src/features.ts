import { PubSubFeature, RpcFeature, hasFeature, type Dict, type FeatureName } from '@interchange/protocol';

/**
 * The roles and Advanced Profile features this client announces in HELLO
 * (spec: basic "HELLO" `Details.roles`; advanced "Feature Announcement" of each feature).
 *
 * Only features that work end to end are listed (DESIGN.md: "announce exactly the features that
 * work"); the comment on each names the code that implements it.
 */
export const CLIENT_ROLES = {
  caller: {
    features: {
      // `disclose_me` is passed through in CALL.Options (caller.ts).
      [RpcFeature.CALLER_IDENTIFICATION]: true,
      // AbortSignal and `timeout` send CANCEL when the dealer supports it (caller.ts).
      [RpcFeature.CALL_CANCELING]: true,
      // `Session.callProgressive` (caller.ts).
      [RpcFeature.PROGRESSIVE_CALL_RESULTS]: true,
    },
  },
  callee: {
    features: {
      // INVOCATION.Details (`caller`, `caller_authid`, ...) reach handlers as received (callee.ts).
      [RpcFeature.CALLER_IDENTIFICATION]: true,
      // `match` in REGISTER.Options; `invocation.procedure` from `details.procedure` (callee.ts).
      [RpcFeature.PATTERN_BASED_REGISTRATION]: true,
      // `invoke` in REGISTER.Options (callee.ts).
      [RpcFeature.SHARED_REGISTRATION]: true,
      // INTERRUPT aborts `invocation.signal` and answers `wamp.error.canceled` (callee.ts).
      [RpcFeature.CALL_CANCELING]: true,
      // `invocation.progress()` sends YIELD with `progress: true` (invocation.ts, callee.ts).
      [RpcFeature.PROGRESSIVE_CALL_RESULTS]: true,
      // UNREGISTERED with request 0 deactivates the registration (callee.ts).
      [RpcFeature.REGISTRATION_REVOCATION]: true,
    },
  },
  publisher: {
    features: {
      // `disclose_me`, `exclude*`/`eligible*` and `exclude_me` pass through PUBLISH.Options (publisher.ts).
      [PubSubFeature.PUBLISHER_IDENTIFICATION]: true,
      [PubSubFeature.SUBSCRIBER_BLACKWHITE_LISTING]: true,
      [PubSubFeature.PUBLISHER_EXCLUSION]: true,
    },
  },
  subscriber: {
    features: {
      // EVENT.Details.publisher reaches handlers as `event.publisher` (event.ts).
      [PubSubFeature.PUBLISHER_IDENTIFICATION]: true,
      // `match` in SUBSCRIBE.Options; `event.topic` from `details.topic` (subscriber.ts).
      [PubSubFeature.PATTERN_BASED_SUBSCRIPTION]: true,
      // UNSUBSCRIBED with request 0 ends the subscription (subscriber.ts).
      [PubSubFeature.SUBSCRIPTION_REVOCATION]: true,
    },
  },
} as const;

/** A router role name as it appears in `WELCOME.Details.roles`. */
export type RouterRoleName = 'broker' | 'dealer';

/**
 * Whether the router announced `feature` for `role` in WELCOME.Details.roles
 * (spec: advanced "Feature Announcement").
 */
export function routerHasFeature(welcomeDetails: Dict, role: RouterRoleName, feature: FeatureName): boolean {
  const roles = welcomeDetails['roles'];
  if (typeof roles !== 'object' || roles === null) return false;
  return hasFeature((roles as Record<string, unknown>)[role], feature);
}
