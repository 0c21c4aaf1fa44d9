import { type Dict, ErrorUri, type Id } from '@interchange/protocol';
import type { Broker } from '../broker/broker.js';
import { parseHistoryQuery, runHistoryQuery } from '../broker/event-history-query.js';
import type { Subscription } from '../broker/subscription.js';
import { readsBarePassthru } from '../passthru.js';
import { isReservedUri } from '../payload.js';
import { Action } from '../realm/realm-config.js';
import type { RealmMember } from '../realm/realm-member.js';
import type { StaticAuthorizer } from '../realm/static-authorizer.js';
import {
  isProtectedUri,
  metaError,
  noSuchSession,
  onlyArgument,
  readId,
  readLookupArguments,
  readRemoveArguments,
  readUri,
} from './meta-arguments.js';
import type { RouterProcedures } from './router-procedures.js';

/** The error of `get_events` for a subscription without history, as Crossbar names it (service.py). */
export const HISTORY_UNAVAILABLE = ErrorUri.HISTORY_UNAVAILABLE;

/** What the subscription meta API needs from its realm. */
export interface SubscriptionMetaContext {
  readonly broker: Broker;
  readonly procedures: RouterProcedures;
  readonly authorizer: StaticAuthorizer;
  /** The attached session with this ID. */
  session(id: Id): RealmMember | undefined;
}

/** `SubscriptionDetails` (spec: "Subscription Meta API", "Object Schemas"). */
export function subscriptionDetails(subscription: Subscription): Dict {
  return { id: subscription.id, created: subscription.created, uri: subscription.topic, match: subscription.match };
}

/**
 * Installs the subscription meta API on a realm (advanced profile "Subscription Meta API"):
 * the meta events `wamp.subscription.on_create|on_subscribe|on_unsubscribe|on_delete`, and the
 * procedures `list`, `lookup`, `match`, `get`, `list_subscribers`, `count_subscribers`, plus
 * `get_events` ("Event History") and Crossbar's `remove_subscriber` ("Subscription
 * Revocation").
 */
export function installSubscriptionMetaApi(context: SubscriptionMetaContext): void {
  const { broker, procedures, authorizer } = context;

  // Meta events. Subscriptions to the meta API's own topics raise none, as in Crossbar
  // (broker.py: "but not for the meta API itself!").
  broker.setObserver({
    onCreate: (subscription, session) => {
      if (isReservedUri(subscription.topic)) return;
      broker.publishMetaEvent('wamp.subscription.on_create', () => [session.id, subscriptionDetails(subscription)]);
    },
    onSubscribe: (subscription, session) => {
      if (isReservedUri(subscription.topic)) return;
      broker.publishMetaEvent('wamp.subscription.on_subscribe', () => [session.id, subscription.id]);
    },
    onUnsubscribe: (subscription, session) => {
      if (isReservedUri(subscription.topic)) return;
      broker.publishMetaEvent('wamp.subscription.on_unsubscribe', () => [session.id, subscription.id]);
    },
    onDelete: (subscription, session) => {
      if (isReservedUri(subscription.topic)) return;
      broker.publishMetaEvent('wamp.subscription.on_delete', () => [session.id, subscription.id]);
    },
  });

  /** The subscription a meta call names by ID, or the spec's error. */
  const find = (value: unknown, caller: RealmMember): Subscription => {
    const id = readId(value, 'subscription');
    const subscription = broker.subscription(id);
    if (subscription === undefined)
      throw metaError(ErrorUri.NO_SUCH_SUBSCRIPTION, `no subscription with ID ${id} exists on this broker`);
    if (isProtectedUri(subscription.topic, caller.authrole)) {
      throw metaError(
        ErrorUri.NOT_AUTHORIZED,
        `not authorized to inspect the subscription of protected URI '${subscription.topic}'`,
      );
    }
    return subscription;
  };
  const visible = (caller: RealmMember) => (subscription: Subscription) =>
    !isProtectedUri(subscription.topic, caller.authrole);

  // Spec: "wamp.subscription.list": IDs by match policy. Crossbar also takes an optional session
  // ID to list that session's subscriptions only (service.py subscription_list).
  procedures.register('wamp.subscription.list', ({ caller, args, kwargs }) => {
    const sessionId = onlyArgument(args, kwargs, 'session_id', 'wamp.subscription.list');
    let subscriptions: Iterable<Subscription> = broker.subscriptions();
    if (sessionId !== undefined && sessionId !== null) {
      const session = context.session(readId(sessionId, 'session_id'));
      if (session === undefined) throw noSuchSession(sessionId);
      subscriptions = broker.subscriptionsOf(session);
    }
    const lists: Record<string, Id[]> = { exact: [], prefix: [], wildcard: [] };
    for (const subscription of [...subscriptions].filter(visible(caller)))
      lists[subscription.match]?.push(subscription.id);
    return { args: [lists] };
  });

  // Spec: "wamp.subscription.lookup": the subscription of exactly this topic and match policy, or null.
  procedures.register('wamp.subscription.lookup', ({ caller, args, kwargs }) => {
    const { uri, match } = readLookupArguments(args, kwargs, 'topic', 'wamp.subscription.lookup');
    const subscription = broker.lookup(uri, match);
    return { args: [subscription !== undefined && visible(caller)(subscription) ? subscription.id : null] };
  });

  // Spec: "wamp.subscription.match": every subscription a publication to the topic reaches, or null.
  procedures.register('wamp.subscription.match', ({ caller, args, kwargs }) => {
    const topic = readUri(onlyArgument(args, kwargs, 'topic', 'wamp.subscription.match'), 'topic');
    const ids = broker
      .match(topic)
      .filter(visible(caller))
      .map((subscription) => subscription.id);
    return { args: [ids.length > 0 ? ids : null] };
  });

  procedures.register('wamp.subscription.get', ({ caller, args, kwargs }) => {
    const subscription = find(onlyArgument(args, kwargs, 'subscription_id', 'wamp.subscription.get'), caller);
    return { args: [subscriptionDetails(subscription)] };
  });

  procedures.register('wamp.subscription.list_subscribers', ({ caller, args, kwargs }) => {
    const subscription = find(
      onlyArgument(args, kwargs, 'subscription_id', 'wamp.subscription.list_subscribers'),
      caller,
    );
    return { args: [[...subscription.subscribers].map((session) => session.id)] };
  });

  procedures.register('wamp.subscription.count_subscribers', ({ caller, args, kwargs }) => {
    const subscription = find(
      onlyArgument(args, kwargs, 'subscription_id', 'wamp.subscription.count_subscribers'),
      caller,
    );
    return { args: [subscription.subscribers.size] };
  });

  // Advanced profile "Event History", "Receiving Event History". Spec "Security Aspects": the
  // caller "must be allowed to subscribe" to the subscription's topic, and each event's
  // authid/authrole black- and whitelisting applies to the caller.
  procedures.register('wamp.subscription.get_events', ({ caller, args, kwargs }) => {
    const subscription = find(args[0], caller);
    if (subscription.history === undefined) {
      throw metaError(HISTORY_UNAVAILABLE, `event history for subscription ${subscription.id} is not enabled`);
    }
    if (!authorizer.authorize(caller.authrole, subscription.topic, Action.SUBSCRIBE).allowed) {
      throw metaError(
        ErrorUri.NOT_AUTHORIZED,
        `not authorized to subscribe to '${subscription.topic}', so not to its history`,
      );
    }
    const query = parseHistoryQuery(args.slice(1), kwargs, subscription.history.limit);
    const events = subscription.history.visibleTo(caller);
    return {
      args: [runHistoryQuery(events, query, subscription.id, { readsBarePassthru: readsBarePassthru(caller) })],
    };
  });

  // Crossbar's administrative revocation (service.py subscription_remove_subscriber), sent as the
  // spec's "Subscription Revocation". Errors as Crossbar answers them.
  procedures.register('wamp.subscription.remove_subscriber', ({ caller, args, kwargs }) => {
    const {
      id: subscriptionId,
      session: subscriberId,
      reason,
    } = readRemoveArguments(args, kwargs, ['subscription', 'subscriber'], 'wamp.subscription.remove_subscriber');
    const subscriber = context.session(subscriberId);
    if (subscriber === undefined) throw noSuchSession(subscriberId);
    const subscription = find(subscriptionId, caller);
    if (!broker.revoke(subscription.id, subscriber, reason)) {
      throw metaError(
        ErrorUri.NO_SUCH_SUBSCRIPTION,
        `session ${subscriberId} is not subscribed to subscription ${subscription.id}`,
      );
    }
    return undefined;
  });
}
