import { type Dict, type FeatureName, hasFeature, PubSubFeature, RpcFeature } from '@interchange/protocol';

/**
 * The feature name of call re-routing (spec: advanced "Call Re-Routing":
 * `HELLO.Details.roles.callee.features.call_reroute`). The protocol package's `RpcFeature` does
 * not list it yet; the router defines the same string.
 */
export const CALL_REROUTE_FEATURE = 'call_reroute';

/**
 * The roles and Advanced Profile features this client announces in HELLO
 * (spec: basic "HELLO" `Details.roles`; advanced "Feature Announcement" of each feature).
 *
 * Only features that work end to end are listed (docs/architecture.md, "Wire and compatibility
 * contracts"); the comment on each names the code that implements it.
 */
export const CLIENT_ROLES = {
  caller: {
    features: {
      // `disclose_me` is passed through in CALL.Options (caller.ts).
      [RpcFeature.CALLER_IDENTIFICATION]: true,
      // AbortSignal and `timeout` send CANCEL when the dealer supports it (caller.ts).
      [RpcFeature.CALL_CANCELING]: true,
      // `Session.callProgressive` (caller.ts, progressive-call.ts).
      [RpcFeature.PROGRESSIVE_CALL_RESULTS]: true,
      // `Session.callStreaming`: CALL with `progress` under one request ID (caller.ts).
      [RpcFeature.PROGRESSIVE_CALL_INVOCATIONS]: true,
      // `timeout` goes out as CALL.Options.timeout to a dealer that enforces it (caller.ts).
      [RpcFeature.CALL_TIMEOUT]: true,
      // `ppt_*` options; a passthru RESULT reaches the caller untouched (caller.ts, passthru.ts).
      [RpcFeature.PAYLOAD_PASSTHRU_MODE]: true,
    },
  },
  callee: {
    features: {
      // INVOCATION.Details (`caller`, `caller_authid`, ...) reach handlers (invocation.ts).
      [RpcFeature.CALLER_IDENTIFICATION]: true,
      // `match` in REGISTER.Options; `invocation.procedure` from `details.procedure` (invocation-runner.ts).
      [RpcFeature.PATTERN_BASED_REGISTRATION]: true,
      // `invoke` in REGISTER.Options (callee.ts).
      [RpcFeature.SHARED_REGISTRATION]: true,
      // INTERRUPT aborts `invocation.signal`; `kill` sends the handler's answer (invocation-runner.ts).
      [RpcFeature.CALL_CANCELING]: true,
      // `invocation.progress()` sends YIELD with `progress: true` (invocation-runner.ts).
      [RpcFeature.PROGRESSIVE_CALL_RESULTS]: true,
      // `invocation.input` yields every chunk of a progressive invocation (invocation-runner.ts).
      [RpcFeature.PROGRESSIVE_CALL_INVOCATIONS]: true,
      // A forwarded `details.timeout` is enforced: signal aborts, ERROR wamp.error.timeout (invocation-runner.ts).
      [RpcFeature.CALL_TIMEOUT]: true,
      // UNREGISTERED with request 0 ends the registration, `ended` says `revoked` (callee.ts).
      [RpcFeature.REGISTRATION_REVOCATION]: true,
      // A passthru INVOCATION reaches the handler untouched; a `Result` with `passthru` answers in kind.
      [RpcFeature.PAYLOAD_PASSTHRU_MODE]: true,
      // A handler may throw ApplicationError('wamp.error.unavailable'); it is sent as any other.
      [CALL_REROUTE_FEATURE]: true,
    },
  },
  publisher: {
    features: {
      // `disclose_me`, `exclude*`/`eligible*` and `exclude_me` pass through PUBLISH.Options (publisher.ts).
      [PubSubFeature.PUBLISHER_IDENTIFICATION]: true,
      [PubSubFeature.SUBSCRIBER_BLACKWHITE_LISTING]: true,
      [PubSubFeature.PUBLISHER_EXCLUSION]: true,
      // `ppt_*` options with one binary argument (publisher.ts, passthru.ts).
      [PubSubFeature.PAYLOAD_PASSTHRU_MODE]: true,
    },
  },
  subscriber: {
    features: {
      // EVENT.Details.publisher reaches handlers as `event.publisher` (event.ts).
      [PubSubFeature.PUBLISHER_IDENTIFICATION]: true,
      // `match` in SUBSCRIBE.Options; `event.topic` from `details.topic` (subscriber.ts).
      [PubSubFeature.PATTERN_BASED_SUBSCRIPTION]: true,
      // UNSUBSCRIBED with request 0 ends the subscription, `ended` says `revoked` (subscriber.ts).
      [PubSubFeature.SUBSCRIPTION_REVOCATION]: true,
      // `session.meta.subscriptions.getEvents` (meta-subscriptions.ts).
      [PubSubFeature.EVENT_HISTORY]: true,
      // A passthru EVENT reaches handlers untouched, with `event.passthru` (event.ts).
      [PubSubFeature.PAYLOAD_PASSTHRU_MODE]: true,
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
