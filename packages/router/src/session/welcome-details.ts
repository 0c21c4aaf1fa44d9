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

/** `WELCOME.Details` for a session of `realm` joined as `identity`. */
export function welcomeDetails(realm: string, identity: SessionIdentity): Dict {
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
  return details;
}
