import type { Dict, ErrorMessage, Id, MatchPolicyValue, Payload, YieldMessage } from '@interchange/protocol';
import type { PublicationRefusal } from './broker/publication.js';
import type { FilterSubject } from './broker/receiver-filter.js';
import type { Subscription } from './broker/subscription.js';
import type { Callee, RegistrationDetails } from './dealer/registration-store.js';
import type { Realm } from './realm/realm.js';
import type { RealmConfig } from './realm/realm-config.js';
import type { RealmMember } from './realm/realm-member.js';
import type { RealmStore } from './realm/realm-store.js';

/**
 * Where a router's realms meet the realms of the same name on other router processes: the seam
 * between the routing core and a cluster transport (docs/scaling.md). The router package
 * only defines it; the NATS implementation lives in the server package, which may use sockets.
 *
 * Without a backend (the default, {@link LocalCluster}), a router is a single process: no hook
 * is installed, so broker and dealer pay one `undefined` check on a publication and on an
 * answer from a callee, nothing else.
 */
export interface ClusterBackend {
  /**
   * Called once for every realm the router creates, after its broker, dealer and meta API exist.
   * The backend installs its hooks ({@link Broker.setClusterHooks}, {@link Dealer.setClusterHooks})
   * and returns the realm's link, or `undefined` to leave the realm local.
   */
  attachRealm(realm: Realm): ClusterRealmLink | undefined;
  /**
   * Optional: the store a realm uses in place of `store` (the host's, or the memory store), asked
   * before the realm's broker exists. A backend that keeps event histories for the whole cluster
   * answers a store whose histories it feeds; `undefined` keeps `store`.
   */
  realmStore?(config: RealmConfig, store: RealmStore): RealmStore | undefined;
}

/** What a realm tells its cluster link beyond broker and dealer. */
export interface ClusterRealmLink {
  /**
   * A local session left the realm (after its subscriptions and registrations were removed).
   * A promise makes the router's GOODBYE reply to that session wait until it settles (the
   * session's registrations are gone cluster-wide then); `undefined`: at once.
   */
  sessionLeft(session: RealmMember): Promise<void> | undefined;
}

/** The single-process backend: every realm stays local, nothing is installed. */
export class LocalCluster implements ClusterBackend {
  attachRealm(): undefined {
    return undefined;
  }
}

/** A publication accepted on this node, as a cluster backend sees it before local delivery. */
export interface ClusterPublication {
  readonly id: Id;
  readonly topic: string;
  readonly options: Dict;
  readonly publisher: FilterSubject;
  readonly payload: Payload;
}

/** What a broker tells its cluster link. */
export interface BrokerClusterHooks {
  /**
   * A publication was accepted here (checked and authorized), before its local delivery. A
   * refusal (e.g. a payload too large for the cluster transport) stops it everywhere and is what
   * an acknowledged publisher gets.
   */
  published(publication: ClusterPublication): PublicationRefusal | undefined;
  /**
   * The router published a meta event here (`args` builds its arguments). The backend may pass
   * it to the other nodes, which deliver it with `Broker.deliverMetaFromCluster`.
   */
  metaEvent(topic: string, args: () => unknown[]): void;
  /**
   * Optional: a SUBSCRIBE passed this node's checks. A promise makes the broker wait: it handles
   * the SUBSCRIBE again (every check, then SUBSCRIBED) once the promise resolves, when
   * publications made on other nodes reach this node for `topic`; so a publication made anywhere
   * after SUBSCRIBED reaches the subscriber. The promise resolves to a function the broker calls
   * once it handled the SUBSCRIBE, or dropped it (the session left). `undefined`: at once.
   */
  subscribing?(topic: string, match: MatchPolicyValue): Promise<() => void> | undefined;
  /** A subscription came to exist on this node (its first subscriber, or a history). */
  subscriptionCreated(subscription: Subscription): void;
  /** A subscription ceased to exist on this node. */
  subscriptionDeleted(subscription: Subscription): void;
}

/** A REGISTER that passed this node's checks, as the dealer asks the cluster to admit it. */
export interface RegistrationRequest {
  readonly session: RealmMember;
  readonly procedure: string;
  readonly match: string;
  readonly invoke: string;
  /** The ID the registration will have: the existing registration's, or a new one. */
  readonly registration: Id;
  readonly forceReregister: boolean;
  readonly discloseCaller: boolean;
  readonly forwardTimeout: boolean;
}

/** The cluster's answer to a {@link RegistrationRequest}: nothing, or the refusal the callee gets. */
export interface RegistrationAdmission {
  readonly refused?: { readonly error: string; readonly text: string };
}

/** What a dealer tells its cluster link. */
export interface DealerClusterHooks {
  /**
   * A REGISTER passed this node's checks. A promise makes the dealer wait: it checks again when
   * the promise resolves (other nodes' registrations may have arrived meanwhile) and answers
   * REGISTERED only then, so the registration is known cluster-wide before the callee learns it
   * exists. `undefined` (e.g. for the backend's own proxies): register at once.
   */
  admit?(request: RegistrationRequest): Promise<RegistrationAdmission> | undefined;
  /** An admitted REGISTER did not take effect under the admitted ID (the session left, or a check failed). */
  admitAbandoned?(request: RegistrationRequest): void;
  /**
   * A call found no registration here. A promise makes the dealer route the call again once it
   * resolves (when this node has caught up with every registration the cluster had when the call
   * came); `undefined`: answer `no_such_procedure` now.
   */
  callMissed?(procedure: string): Promise<void> | undefined;
  /**
   * Optional: whose turn a call to a shared registration is, when the cluster decides it (a
   * `roundrobin` rotation, the order for `first` and `last`, as one router keeps them over the
   * callees of every node). Returns one of `callees` (its turn), a promise of one (asked of
   * another node: the dealer routes the call again once it resolves), or `undefined` to let the
   * registration pick as on one router. A callee at its concurrency limit is passed over
   * by the dealer as usual.
   */
  turn?(
    registration: RegistrationDetails,
    callees: readonly Callee[],
  ): Callee | Promise<Callee | undefined> | undefined;
  /** A callee was removed by the router (force_reregister, revocation), with the reason it was told. */
  calleeRevoked?(registration: RegistrationDetails, session: RealmMember, reason: string | undefined): void;
  /** A session was added to a registration (`callee.session` may be the link's own proxy). */
  calleeAdded(registration: RegistrationDetails, callee: Callee): void;
  /**
   * A session was removed from a registration: unregistered, left, or revoked. A promise makes
   * the dealer's UNREGISTERED to that session wait until it settles (the callee is gone
   * cluster-wide then, so a REGISTER made anywhere after UNREGISTERED finds the procedure free);
   * `undefined`: at once.
   */
  calleeRemoved(registration: RegistrationDetails, session: RealmMember): Promise<void> | undefined;
  /**
   * A YIELD or ERROR from a callee on this node. Returns `true` when it answers an invocation
   * the link relayed for a caller on another node (the link forwards it); `false` to let the
   * dealer handle it.
   */
  answered(session: RealmMember, message: YieldMessage | ErrorMessage): boolean;
}
