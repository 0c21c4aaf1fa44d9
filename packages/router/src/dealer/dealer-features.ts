import { RpcFeature } from '@interchange/protocol';

/**
 * The feature name of call re-routing (advanced profile "Call Re-Routing":
 * `HELLO.Details.roles.<role>.features.call_reroute`). The protocol package's `RpcFeature`
 * does not list it yet; it belongs there.
 */
export const CALL_REROUTE_FEATURE = 'call_reroute';

/**
 * The dealer features this router implements, announced in `WELCOME.Details.roles.dealer`
 * (spec: "Router: Role and Feature Announcement": exactly the features that work). Each is
 * implemented by the dealer of every realm; the advanced profile section of each is cited where
 * the dealer implements it.
 */
export const DEALER_FEATURES: Readonly<Record<string, true>> = Object.freeze({
  [RpcFeature.CALLER_IDENTIFICATION]: true,
  [RpcFeature.PAYLOAD_PASSTHRU_MODE]: true,
  [RpcFeature.PATTERN_BASED_REGISTRATION]: true,
  [RpcFeature.SHARED_REGISTRATION]: true,
  [RpcFeature.PROGRESSIVE_CALL_RESULTS]: true,
  [RpcFeature.PROGRESSIVE_CALL_INVOCATIONS]: true,
  [RpcFeature.CALL_TIMEOUT]: true,
  [RpcFeature.CALL_CANCELING]: true,
  [RpcFeature.REGISTRATION_REVOCATION]: true,
  [CALL_REROUTE_FEATURE]: true,
});
