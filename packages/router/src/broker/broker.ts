import {
  type Clock,
  type Dict,
  ErrorUri,
  type EventMessage,
  type Id,
  isMatchPolicy,
  isValidUri,
  type MatchPolicyValue,
  MessageCode,
  type Payload,
  type PublishMessage,
  PubSubFeature,
  randomId,
  type SubscribeMessage,
  systemClock,
  type UnsubscribeMessage,
} from '@interchange/protocol';
import type { BrokerClusterHooks } from '../cluster-backend.js';
import { ClusterWaits } from '../dealer/cluster-waits.js';
import type { Logger } from '../logger.js';
import { PatternIndex } from '../matching/pattern-index.js';
import { OffenderLog } from '../offender-log.js';
import { bareDetails, barePassthruPayload, passthruViolation, readsBarePassthru } from '../passthru.js';
import { copyPayload, refuse, routerError } from '../payload.js';
import { Action } from '../realm/realm-config.js';
import { SUBSCRIPTIONS_LIMIT_REACHED } from '../realm/realm-limits.js';
import type { RealmMember } from '../realm/realm-member.js';
import {
  type EventHistoryStore,
  MemoryRealmStore,
  type RealmStore,
  type RetainedEventStore,
} from '../realm/realm-store.js';
import type { StaticAuthorizer } from '../realm/static-authorizer.js';
import type { ProtocolViolation } from '../session/protocol-violation.js';
import { type DeliveryCounter, deliverEvent } from './delivery-count.js';
import { type EventHistoryEntry, isStorable, type StoredEvent } from './event-history.js';
import { MatchLists } from './match-lists.js';
import {
  acknowledgeWhenDurable,
  authorizePublication,
  isRefusal,
  metaPublication,
  offerToCluster,
  type Publication,
  type PublicationRefusal,
  preparePublication,
} from './publication.js';
import { compileReceiverFilter, type FilterSubject } from './receiver-filter.js';
import { retainPublication, sendRetained } from './retained-delivery.js';
import type { MutableSubscription, Subscription, SubscriptionObserver } from './subscription.js';

/** What a broker needs from its realm. */
export interface BrokerOptions {
  authorizer: StaticAuthorizer;
  logger: Logger;
  /** For `created` and history timestamps; defaults to the system clock. */
  clock?: Clock;
  /** The topics that keep an event history (from the realm's `store` block). */
  eventHistory?: readonly EventHistoryEntry[];
  /** Where retained events and histories are kept; a {@link MemoryRealmStore} by default. */
  store?: RealmStore;
  /** Where a publisher that hits a bound is logged; one of its own otherwise. */
  offenders?: OffenderLog;
  /** Subscriptions a session may hold (the realm's `limits.subscriptions_per_session`); no bound when absent. */
  maxSubscriptionsPerSession?: number;
  /** Where each publication's deliveries are counted, once per publication (the router's counters). */
  deliveries?: DeliveryCounter | undefined;
}

/**
 * The broker of one realm (spec: basic profile "Publish and Subscribe"; advanced profile
 * "Publish & Subscribe" features).
 *
 * All subscribers of the same topic and match policy share one subscription and its ID, so one
 * EVENT object per (publication, subscription) goes to every receiver and the transport can
 * serialize it once (spec: "SUBSCRIBED", note on shared subscription IDs).
 */
export class Broker {
  readonly #authorizer: StaticAuthorizer;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #index = new PatternIndex<MutableSubscription>();
  readonly #byId = new Map<Id, MutableSubscription>();
  readonly #bySession = new Map<RealmMember, Set<MutableSubscription>>();
  readonly #store: RealmStore;
  readonly #retained: RetainedEventStore;
  readonly #offenders: OffenderLog;
  readonly #maxSubscriptions: number;
  readonly #deliveries: DeliveryCounter | undefined;
  /** Reused lists of matching subscriptions (match-lists.ts). */
  readonly #matchLists = new MatchLists<MutableSubscription>();
  #observer: SubscriptionObserver | undefined;
  #cluster: BrokerClusterHooks | undefined;
  /** SUBSCRIBEs waiting for the cluster, per session (see {@link BrokerClusterHooks.subscribing}). */
  readonly #waits: ClusterWaits;

  constructor(options: BrokerOptions) {
    this.#authorizer = options.authorizer;
    this.#logger = options.logger;
    this.#clock = options.clock ?? systemClock;
    this.#store = options.store ?? new MemoryRealmStore();
    this.#retained = this.#store.retained;
    this.#offenders = options.offenders ?? new OffenderLog(options.logger);
    this.#waits = new ClusterWaits(options.logger);
    this.#maxSubscriptions = options.maxSubscriptionsPerSession ?? Number.POSITIVE_INFINITY;
    this.#deliveries = options.deliveries;
    // Spec "Event History": a broker configured per topic "may ... preinitializ[e]
    // history-enabled topics with 'dummy' subscriptions", so events are kept before anyone
    // subscribes; Crossbar does so (RealmStoreMemory.attach_subscription_map).
    for (const entry of options.eventHistory ?? []) {
      const existing = this.#index.get(entry.uri, entry.match);
      if (existing !== undefined) continue;
      // A persistent store remembers the subscription's ID, so an ID a client kept still works.
      const { log, subscriptionId } = this.#store.history(entry);
      const subscription = this.#create(entry.uri, entry.match, log, subscriptionId);
      if (subscriptionId === undefined) this.#store.rememberSubscription(entry, subscription.id);
    }
  }

  /** Number of live subscriptions (with subscribers, or keeping a history). */
  get subscriptionCount(): number {
    return this.#byId.size;
  }

  /** The subscription with this ID, if it exists. */
  subscription(id: Id): Subscription | undefined {
    return this.#byId.get(id);
  }

  /** Every live subscription. */
  subscriptions(): IterableIterator<Subscription> {
    return this.#byId.values();
  }

  /** The subscription for exactly this topic or pattern and policy (spec: `wamp.subscription.lookup`). */
  lookup(topic: string, match: MatchPolicyValue): Subscription | undefined {
    return this.#index.get(topic, match);
  }

  /** Every subscription a publication to `topic` would go to (spec: `wamp.subscription.match`). */
  match(topic: string): Subscription[] {
    const found: MutableSubscription[] = [];
    this.#index.collectMatches(topic, found);
    return found;
  }

  /** The subscriptions a session is subscribed to. */
  subscriptionsOf(session: RealmMember): ReadonlySet<Subscription> {
    return this.#bySession.get(session) ?? new Set();
  }

  /** Sets the observer told of subscription changes (the subscription meta API). */
  setObserver(observer: SubscriptionObserver | undefined): void {
    this.#observer = observer;
  }

  /** Installs (or with `undefined`, removes) the hooks of a cluster backend (see `cluster-backend.ts`). */
  setClusterHooks(hooks: BrokerClusterHooks | undefined): void {
    this.#cluster = hooks;
  }

  /**
   * Whether a publication to `topic` would reach anyone: a subscriber or a history. Lets the
   * router skip building meta events nobody receives.
   */
  hasReceivers(topic: string): boolean {
    const matches = this.#matchLists.borrow();
    try {
      this.#index.collectMatches(topic, matches);
      for (let i = 0; i < matches.length; i++) {
        const subscription = matches[i] as MutableSubscription;
        if (subscription.subscribers.size > 0 || subscription.history !== undefined) return true;
      }
      return false;
    } finally {
      this.#matchLists.release(matches);
    }
  }

  /**
   * Handles SUBSCRIBE: answers SUBSCRIBED (and retained events) or ERROR. With a cluster backend
   * that says when a subscription reaches the other nodes, the answer waits for that (see
   * {@link BrokerClusterHooks.subscribing}).
   * @param admitted the broker's own second pass, once the cluster is ready.
   */
  subscribe(session: RealmMember, message: SubscribeMessage, admitted = false): ProtocolViolation {
    const { requestId, topic, options } = message;
    const match = options.match ?? 'exact';
    const code = MessageCode.SUBSCRIBE;

    // Advanced profile "Pattern-based Subscription": exact, prefix or wildcard, nothing else.
    if (!isMatchPolicy(match))
      return refuse(session, code, requestId, ErrorUri.OPTION_NOT_ALLOWED, `unknown match policy '${String(match)}'`);
    if (!isValidUri(topic, { match }))
      return refuse(
        session,
        code,
        requestId,
        ErrorUri.INVALID_URI,
        `invalid topic URI '${topic}' for ${match} matching`,
      );
    if (!this.#authorizer.authorize(session.authrole, topic, Action.SUBSCRIBE).allowed) {
      const text = `session is not authorized to subscribe to '${topic}'`;
      return refuse(session, code, requestId, ErrorUri.NOT_AUTHORIZED, text);
    }

    let subscription = this.#index.get(topic, match);
    const held = this.#bySession.get(session);
    if (held !== undefined && held.size >= this.#maxSubscriptions && !(subscription && held.has(subscription))) {
      this.#offenders.hit('limits.subscriptions_per_session', session, 'session at its bound of subscriptions', {
        bound: this.#maxSubscriptions,
      });
      const text = `this session holds ${this.#maxSubscriptions} subscriptions already`;
      return refuse(session, code, requestId, SUBSCRIPTIONS_LIMIT_REACHED, text);
    }
    if (!admitted && this.#awaitCluster(session, message, topic, match)) return undefined;
    const created = subscription === undefined;
    subscription ??= this.#create(topic, match, undefined);
    // A repeated SUBSCRIBE by the same session gets the existing ID (spec: "SUBSCRIBED", note).
    const added = !subscription.subscribers.has(session);
    subscription.subscribers.add(session);
    let own = this.#bySession.get(session);
    if (own === undefined) {
      own = new Set();
      this.#bySession.set(session, own);
    }
    own.add(subscription);
    session.send({ type: 'SUBSCRIBED', requestId, subscription: subscription.id });
    if (options.get_retained === true) sendRetained(this.#retained, session, subscription);
    // Meta events follow the answer, as in Crossbar (broker.py processSubscribe: "we postpone
    // actual sending of meta events"); on_create comes before on_subscribe (spec).
    if (created) this.#observer?.onCreate(subscription, session);
    if (added) this.#observer?.onSubscribe(subscription, session);
    return undefined;
  }

  /**
   * Asks the cluster whether a SUBSCRIBE must wait until publications of other nodes reach this
   * node; `true` when it waits: the SUBSCRIBE runs again (every check) once they do, unless the
   * session left meanwhile.
   */
  #awaitCluster(session: RealmMember, message: SubscribeMessage, topic: string, match: MatchPolicyValue): boolean {
    const pending = this.#cluster?.subscribing?.(topic, match);
    if (pending === undefined) return false;
    let release: (() => void) | undefined;
    const ready = pending.then((done) => {
      release = done;
    });
    this.#waits.wait(
      session,
      ready,
      () => {
        this.subscribe(session, message, true);
        release?.();
      },
      () => release?.(),
    );
    return true;
  }

  /** Handles UNSUBSCRIBE: answers UNSUBSCRIBED or ERROR `no_such_subscription`. */
  unsubscribe(session: RealmMember, message: UnsubscribeMessage): ProtocolViolation {
    const subscription = this.#byId.get(message.subscription);
    // A session may only end its own subscriptions (spec: "Unsubscribe ERROR").
    if (subscription === undefined || !subscription.subscribers.has(session)) {
      session.send(
        routerError(
          MessageCode.UNSUBSCRIBE,
          message.requestId,
          ErrorUri.NO_SUCH_SUBSCRIPTION,
          `no subscription ${message.subscription} for this session`,
        ),
      );
      return undefined;
    }
    this.#bySession.get(session)?.delete(subscription);
    session.send({ type: 'UNSUBSCRIBED', requestId: message.requestId });
    this.#detach(session, subscription);
    return undefined;
  }

  /**
   * Takes a subscriber off a subscription on the router's initiative (advanced profile
   * "Subscription Revocation"). A subscriber that announced `subscription_revocation` is told
   * with `UNSUBSCRIBED(0, {subscription, reason})`; one that did not is told nothing (spec: "the
   * Broker MUST NOT send an UNSUBSCRIBED message to the Subscriber").
   *
   * @returns whether the session was subscribed.
   */
  revoke(subscriptionId: Id, session: RealmMember, reason?: string): boolean {
    const subscription = this.#byId.get(subscriptionId);
    if (subscription === undefined || !subscription.subscribers.has(session)) return false;
    this.#bySession.get(session)?.delete(subscription);
    if (session.announces('subscriber', PubSubFeature.SUBSCRIPTION_REVOCATION)) {
      const details: Dict = { subscription: subscription.id };
      if (reason !== undefined) details.reason = reason;
      session.send({ type: 'UNSUBSCRIBED', requestId: 0, details });
    }
    this.#detach(session, subscription);
    return true;
  }

  /**
   * Handles PUBLISH: one EVENT per matching subscription, shared by its receivers; PUBLISHED
   * or ERROR only when `acknowledge` is set (spec: "PUBLISH": "By default, publications are
   * unacknowledged, and the Broker will not respond, whether the publication was successful
   * indeed or not"; "Publish ERROR": sent "when ... `PUBLISH.Options.acknowledge == true`").
   *
   * @returns a protocol violation to abort the publisher's session for, or `undefined`.
   */
  publish(session: RealmMember, message: PublishMessage): ProtocolViolation {
    const { requestId, topic, options } = message;
    const violation = passthruViolation(session, 'publisher', 'PUBLISH', options);
    if (violation !== undefined) return violation;
    const acknowledge = options.acknowledge === true;
    const prepared = preparePublication(this.#authorizer, session, topic, options, message, randomId(), 'all');
    const publication = isRefusal(prepared) ? prepared : (offerToCluster(this.#cluster, prepared) ?? prepared);
    if (isRefusal(publication)) {
      this.#logger.debug({ session: session.id, topic, error: publication.error }, 'publication refused');
      if (acknowledge)
        session.send(routerError(MessageCode.PUBLISH, requestId, publication.error, publication.message));
      return undefined;
    }
    // PUBLISHED goes out before the EVENTs, as Crossbar sends it: a publisher that also receives
    // its own event (exclude_me false) sees the acknowledgement first, which Crossbar-era code
    // relies on; the spec leaves the order open. With a persistent store it waits for the disk.
    const persistent = this.#store.persistent;
    if (acknowledge && !persistent) session.send({ type: 'PUBLISHED', requestId, publication: publication.id });
    this.#dispatch(publication);
    if (acknowledge && persistent)
      acknowledgeWhenDurable(this.#store, this.#logger, session, requestId, publication.id, topic);
    return undefined;
  }

  /**
   * Checks a publication by `publisher` without sending it: topic, authorization and the
   * black- and whitelisting options. Returns the refusal, or `undefined` when it may go out.
   */
  checkPublication(publisher: FilterSubject, topic: string, options: Dict): PublicationRefusal | undefined {
    const authorization = authorizePublication(this.#authorizer, publisher, topic);
    if (isRefusal(authorization)) return authorization;
    const filtering = compileReceiverFilter(options);
    return filtering.ok ? undefined : { error: ErrorUri.INVALID_ARGUMENT, message: filtering.message };
  }

  /**
   * Publishes as `publisher` (a session, even one that just left, for testaments): the checks
   * and delivery of a PUBLISH, without any answer to the publisher.
   *
   * @returns the publication ID, or why it was refused.
   */
  publishAs(
    publisher: FilterSubject,
    topic: string,
    options: Dict,
    payload: Payload,
    publicationId?: Id,
  ): Id | PublicationRefusal {
    const publication = preparePublication(
      this.#authorizer,
      publisher,
      topic,
      options,
      payload,
      publicationId ?? randomId(),
      'all',
    );
    if (isRefusal(publication)) return publication;
    const refusal = offerToCluster(this.#cluster, publication);
    if (refusal !== undefined) return refusal;
    this.#dispatch(publication);
    return publication.id;
  }

  /**
   * Handles here a publication another node of the cluster accepted: the checks of
   * {@link publishAs} again (the receiving node applies WAMP's rules itself), then, by `part`,
   * its delivery to this node's subscribers (`deliver`) or its keeping as the topic's retained
   * event (`retain`, for a backend that shares retained events separately). Never passed back to
   * the cluster.
   */
  deliverFromCluster(
    publisher: FilterSubject,
    topic: string,
    options: Dict,
    payload: Payload,
    publicationId: Id,
    part: 'deliver' | 'retain' = 'deliver',
  ): Id | PublicationRefusal {
    const publication = preparePublication(this.#authorizer, publisher, topic, options, payload, publicationId, part);
    if (isRefusal(publication)) return publication;
    this.#dispatch(publication);
    return publication.id;
  }

  /**
   * The entry a publication makes in the history of subscription `subscriptionId`, for a cluster
   * backend that keeps histories itself (outside {@link EventHistoryStore.append}): the details a
   * receiver of that subscription gets and the publication's black- and whitelists, after the
   * checks of {@link deliverFromCluster}. `publisher` is `undefined` for a meta event of the
   * router. `undefined` when the subscription keeps no history or the publication is not
   * storable (spec "Event History", "Security Aspects").
   */
  historyEventFromCluster(
    subscriptionId: Id,
    publisher: FilterSubject | undefined,
    topic: string,
    options: Dict,
    payload: Payload,
    publicationId: Id,
    time: number,
  ): StoredEvent | PublicationRefusal | undefined {
    const subscription = this.#byId.get(subscriptionId);
    if (subscription?.history === undefined || !isStorable(options)) return undefined;
    const publication =
      publisher === undefined
        ? metaPublication(topic, payload.args ?? [])
        : preparePublication(this.#authorizer, publisher, topic, options, payload, publicationId, 'deliver');
    if (isRefusal(publication)) return publication;
    const { common, filter } = publication;
    return {
      time,
      publication: publicationId,
      topic,
      // As #dispatch: a pattern's subscribers learn the topic.
      details: subscription.match === 'exact' ? common : { ...common, topic },
      payload,
      filter,
      options: filter === undefined ? undefined : options,
    };
  }

  /**
   * Publishes a meta event of the router itself (spec: "Meta API": "Meta events are created by
   * the router itself"): no publisher, nobody excluded, and nothing built when nobody would
   * receive it (`args` is called only then).
   */
  publishMetaEvent(topic: string, args: () => unknown[]): void {
    this.#cluster?.metaEvent(topic, args);
    this.#deliverMeta(topic, args);
  }

  /** Delivers here a meta event another node of the cluster published; not passed back. */
  deliverMetaFromCluster(topic: string, args: unknown[]): void {
    this.#deliverMeta(topic, () => args);
  }

  #deliverMeta(topic: string, args: () => unknown[]): void {
    if (!this.hasReceivers(topic)) return;
    this.#dispatch(metaPublication(topic, args()));
  }

  /** Removes every subscription of a session that left (spec: "Protocol Errors", disposal). */
  removeSession(session: RealmMember): void {
    this.#waits.forget(session);
    const own = this.#bySession.get(session);
    if (own === undefined) return;
    this.#bySession.delete(session);
    // Off every subscription first, then the meta events: the session that left must not
    // receive the on_unsubscribe events of its own departure.
    const deleted = new Set([...own].filter((subscription) => this.#drop(session, subscription)));
    for (const subscription of own) {
      this.#observer?.onUnsubscribe(subscription, session);
      if (deleted.has(subscription)) this.#observer?.onDelete(subscription, session);
    }
  }

  /**
   * Delivers a publication to every matching subscription. Allocates per publication, not per
   * receiver or subscription: the EVENT of each subscription with a receiver (shared by all its
   * receivers), and one details object for all pattern subscriptions. Details objects are shared
   * by the messages, retained event and history entries of a publication: nobody mutates a
   * message once it is sent (router `Peer` contract).
   */
  #dispatch(p: Publication): void {
    const { topic, publisher, excludeMe, filter, common } = p;
    // Advanced profile "Event Retention": see retained-delivery.ts.
    if (p.options.retain === true && publisher !== undefined && p.part !== 'deliver')
      retainPublication(this.#retained, this.#offenders, publisher, p);
    if (p.part === 'retain') return;
    // Advanced profile "Pattern-based Subscription": a pattern's subscribers learn the topic.
    let patternDetails: Dict | undefined;
    // Only for subscriptions that keep a history; most publications have none.
    let now: number | undefined;
    // Passthru for subscribers of the earlier "payload transparency" (passthru.ts); mostly undefined.
    const bare = barePassthruPayload(p.options, p.payload);
    // Carried on the EVENT objects for in-process bridges (the MQTT QoS of the publication); never on the wire.
    const acknowledged = p.options.acknowledge === true;
    const matches = this.#matchLists.borrow();
    // The EVENTs handed to transports, counted here and added once (delivery-count.ts).
    let delivered = 0;
    try {
      this.#index.collectMatches(topic, matches);
      for (let i = 0; i < matches.length; i++) {
        const subscription = matches[i] as MutableSubscription;
        let details = common;
        if (subscription.match !== 'exact') {
          patternDetails ??= { ...common, topic };
          details = patternDetails;
        }
        if (subscription.history !== undefined && isStorable(p.options)) {
          now ??= this.#clock.now();
          // Advanced profile "Event History": kept per subscription, whether or not anyone receives it now.
          subscription.history.append({
            time: now,
            publication: p.id,
            topic,
            details,
            payload: p.payload,
            filter,
            options: filter === undefined ? undefined : p.options,
          });
        }
        let event: EventMessage | undefined;
        let bareEvent: EventMessage | undefined;
        for (const subscriber of subscription.subscribers) {
          if (excludeMe && subscriber === publisher) continue;
          if (filter !== undefined && !filter(subscriber)) continue;
          if (bare !== undefined && readsBarePassthru(subscriber)) {
            bareEvent ??= {
              type: 'EVENT',
              subscription: subscription.id,
              publication: p.id,
              details: bareDetails(details),
              payload: bare,
            };
            if (acknowledged) bareEvent.acknowledged = true;
            delivered += deliverEvent(subscriber, bareEvent);
            continue;
          }
          // Built once, on the first receiver, and shared by every receiver of this subscription.
          if (event === undefined) {
            event = copyPayload<EventMessage>(
              { type: 'EVENT', subscription: subscription.id, publication: p.id, details },
              p.payload,
            );
            if (acknowledged) event.acknowledged = true;
          }
          delivered += deliverEvent(subscriber, event);
        }
      }
    } finally {
      if (delivered > 0) this.#deliveries?.countEvents(delivered);
      this.#matchLists.release(matches);
    }
  }

  #create(
    topic: string,
    match: MatchPolicyValue,
    history: EventHistoryStore | undefined,
    id: Id = this.#newId(),
  ): MutableSubscription {
    const subscription: MutableSubscription = {
      id,
      topic,
      match,
      created: new Date(this.#clock.now()).toISOString(),
      subscribers: new Set(),
      history,
    };
    this.#index.set(topic, match, subscription);
    this.#byId.set(subscription.id, subscription);
    this.#cluster?.subscriptionCreated(subscription);
    return subscription;
  }

  #detach(session: RealmMember, subscription: MutableSubscription): void {
    const deleted = this.#drop(session, subscription);
    // Spec "Subscription Meta API": on_delete "MUST always be preceded by" on_unsubscribe.
    this.#observer?.onUnsubscribe(subscription, session);
    if (deleted) this.#observer?.onDelete(subscription, session);
  }

  /** Takes a session off a subscription; returns whether that deleted the subscription. */
  #drop(session: RealmMember, subscription: MutableSubscription): boolean {
    subscription.subscribers.delete(session);
    if (subscription.subscribers.size > 0 || subscription.history !== undefined) return false;
    this.#index.delete(subscription.topic, subscription.match);
    this.#byId.delete(subscription.id);
    this.#cluster?.subscriptionDeleted(subscription);
    return true;
  }

  /** Subscription IDs are router scope and "can be chosen freely"; random ones are unguessable. */
  #newId(): Id {
    let id = randomId();
    while (this.#byId.has(id)) id = randomId();
    return id;
  }
}
