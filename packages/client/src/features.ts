// Feature names are written as literals, checked against the protocol package's `FeatureName`
// type: importing its `RpcFeature` and `PubSubFeature` tables would put every name they hold
// into the core bundle (issue 16).
import type { Dict, FeatureName } from '@interchange/protocol';

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
      caller_identification: true,
      // AbortSignal and `timeout` send CANCEL when the dealer supports it (caller.ts).
      call_canceling: true,
      // `Session.callProgressive` (caller.ts, progressive-call.ts).
      progressive_call_results: true,
      // `Session.callStreaming`: CALL with `progress` under one request ID (caller.ts).
      progressive_call_invocations: true,
      // `timeout` goes out as CALL.Options.timeout to a dealer that enforces it (caller.ts).
      call_timeout: true,
      // `ppt_*` options; a passthru RESULT reaches the caller untouched (caller.ts, passthru.ts).
      payload_passthru_mode: true,
    },
  },
  callee: {
    features: {
      // INVOCATION.Details (`caller`, `caller_authid`, ...) reach handlers (invocation.ts).
      caller_identification: true,
      // `match` in REGISTER.Options; `invocation.procedure` from `details.procedure` (invocation-runner.ts).
      pattern_based_registration: true,
      // `invoke` in REGISTER.Options (callee.ts).
      shared_registration: true,
      // INTERRUPT aborts `invocation.signal`; `kill` sends the handler's answer (invocation-runner.ts).
      call_canceling: true,
      // `invocation.progress()` sends YIELD with `progress: true` (invocation-runner.ts).
      progressive_call_results: true,
      // `invocation.input` yields every chunk of a progressive invocation (invocation-runner.ts).
      progressive_call_invocations: true,
      // A forwarded `details.timeout` is enforced: signal aborts, ERROR wamp.error.timeout (invocation-runner.ts).
      call_timeout: true,
      // UNREGISTERED with request 0 ends the registration, `ended` says `revoked` (callee.ts).
      registration_revocation: true,
      // A passthru INVOCATION reaches the handler untouched; a `Result` with `passthru` answers in kind.
      payload_passthru_mode: true,
      // A handler may throw ApplicationError('wamp.error.unavailable'); it is sent as any other.
      [CALL_REROUTE_FEATURE]: true,
    },
  },
  publisher: {
    features: {
      // `disclose_me`, `exclude*`/`eligible*` and `exclude_me` pass through PUBLISH.Options (publisher.ts).
      publisher_identification: true,
      subscriber_blackwhite_listing: true,
      publisher_exclusion: true,
      // `ppt_*` options with one binary argument (publisher.ts, passthru.ts).
      payload_passthru_mode: true,
    },
  },
  subscriber: {
    features: {
      // EVENT.Details.publisher reaches handlers as `event.publisher` (event.ts).
      publisher_identification: true,
      // `match` in SUBSCRIBE.Options; `event.topic` from `details.topic` (subscriber.ts).
      pattern_based_subscription: true,
      // UNSUBSCRIBED with request 0 ends the subscription, `ended` says `revoked` (subscriber.ts).
      subscription_revocation: true,
      // `session.meta.subscriptions.getEvents` (meta-subscriptions.ts).
      event_history: true,
      // A passthru EVENT reaches handlers untouched, with `event.passthru` (event.ts).
      payload_passthru_mode: true,
    },
  },
} as const satisfies Record<string, { features: Partial<Record<FeatureName | typeof CALL_REROUTE_FEATURE, true>> }>;

/** A router role name as it appears in `WELCOME.Details.roles`. */
export type RouterRoleName = 'broker' | 'dealer';

/**
 * Whether the router announced `feature` for `role` in WELCOME.Details.roles
 * (spec: advanced "Feature Announcement").
 */
export function routerHasFeature(welcomeDetails: Dict, role: RouterRoleName, feature: FeatureName): boolean {
  // Spec: advanced "Feature Announcement": `roles.<role>.features.<feature>` is `true`.
  const roles = welcomeDetails['roles'] as Record<string, { features?: Dict } | null> | null | undefined;
  return roles?.[role]?.features?.[feature] === true;
}
