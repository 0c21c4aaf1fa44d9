/**
 * What a subscription is, as the broker keeps it and as its observers (the subscription meta
 * API, cluster backends) see it: a shape of its own so that those readers need not import the
 * broker itself.
 */
import type { Id, MatchPolicyValue } from '@interchange/protocol';
import type { RealmMember } from '../realm/realm-member.js';
import type { EventHistoryStore } from '../realm/realm-store.js';

/** One subscription: a topic or pattern under a match policy, shared by all its subscribers. */
export interface Subscription {
  readonly id: Id;
  readonly topic: string;
  readonly match: MatchPolicyValue;
  /** When it was created, as an ISO 8601 string (spec: "Subscription Meta API", `created`). */
  readonly created: string;
  readonly subscribers: ReadonlySet<RealmMember>;
  /** Its event history, when the realm's `store` configures one; such a subscription outlives its subscribers. */
  readonly history: EventHistoryStore | undefined;
}

/** The broker's own view of a subscription: it alone adds and removes subscribers. */
export interface MutableSubscription extends Subscription {
  readonly subscribers: Set<RealmMember>;
}

/**
 * Told of every change to the broker's subscriptions, after the change, for the subscription
 * meta events (spec: "Subscription Meta API", "Events"). `session` is the session that caused it.
 */
export interface SubscriptionObserver {
  onCreate(subscription: Subscription, session: RealmMember): void;
  onSubscribe(subscription: Subscription, session: RealmMember): void;
  onUnsubscribe(subscription: Subscription, session: RealmMember): void;
  onDelete(subscription: Subscription, session: RealmMember): void;
}
