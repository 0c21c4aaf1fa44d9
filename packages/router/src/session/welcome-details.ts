/**
 * What WELCOME tells a client (spec: "WELCOME"; "Router: Role and Feature Announcement"): the
 * identity the session joined under and the router's roles with exactly the features that
 * work. Separate from the session's state machine, which decides when to send it.
 */
import type { Dict } from '@interchange/protocol';
import type { Principal } from '../auth/principal.js';
import { BROKER_FEATURES } from '../broker/broker-features.js';
import { DEALER_FEATURES } from '../dealer/dealer-features.js';
import { META_DEALER_FEATURES } from '../meta/meta-api.js';

/** The identity a session joins its realm under. */
export type SessionIdentity = Omit<Principal, 'realm' | 'authextra'> & { authextra: Dict | undefined };

/** Where a router runs: the node, the worker of the node's config, the process. */
export interface RouterPlacement {
  /** The node's ID (in a cluster, the cluster node ID of this router process). */
  readonly node: string;
  /** The router worker's ID in the node config (Crossbar's default: `worker001`, ...). */
  readonly worker: string;
  readonly pid: number;
}

/**
 * `WELCOME.Details` for a session of `realm` joined as `identity`. With `placement`, Crossbar's
 * custom attributes say where the session landed: `x_cb_node`, `x_cb_worker`, `x_cb_peer` (the
 * client's address as the router sees it) and `x_cb_pid`, both at the top of the details (the
 * spec's `x_` custom attributes, which Autobahn|JS hands to `onopen`) and in `authextra`, where
 * Autobahn|Python's `SessionDetails` shows them.
 */
export function welcomeDetails(
  realm: string,
  identity: SessionIdentity,
  placement?: RouterPlacement,
  peer?: string,
): Dict {
  const details: Dict = {
    realm,
    authid: identity.authid,
    authrole: identity.authrole,
    authmethod: identity.authmethod,
    authprovider: identity.authprovider,
    // Spec: "Router: Role and Feature Announcement": exactly the features that work.
    roles: {
      broker: { features: { ...BROKER_FEATURES } },
      dealer: { features: { ...DEALER_FEATURES, ...META_DEALER_FEATURES } },
    },
  };
  // Spec: advanced "Authentication" (e.g. WAMP-SCRAM's verifier): the principal's extra goes
  // to the client in WELCOME.Details.authextra.
  if (identity.authextra !== undefined) details['authextra'] = identity.authextra;
  if (placement !== undefined) {
    const custom: Dict = {
      x_cb_node: placement.node,
      x_cb_worker: placement.worker,
      x_cb_peer: peer ?? null,
      x_cb_pid: placement.pid,
    };
    Object.assign(details, custom);
    details['authextra'] = { ...identity.authextra, ...custom };
  }
  return details;
}
