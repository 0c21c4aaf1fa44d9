import {
  type Dict,
  ErrorUri,
  type EventMessage,
  type Id,
  isMatchPolicy,
  isValidUri,
  type MatchPolicyValue,
  MessageCode,
  PubSubFeature,
  type PubSubFeatureName,
  type PublishMessage,
  randomId,
  type SubscribeMessage,
  type UnsubscribeMessage,
} from '@interchange/protocol';
import type { Logger } from './logger.js';
import { copyPassthruAttributes, passthruViolation } from './passthru.js';
import { copyPayload, identityDetails, isReservedUri, routerError } from './payload.js';
import { PatternIndex } from './pattern-index.js';
import { Action } from './realm-config.js';
import type { RealmMember } from './realm-member.js';
import { compileReceiverFilter } from './receiver-filter.js';
import type { ProtocolViolation } from './protocol-violation.js';
import type { StaticAuthorizer } from './static-authorizer.js';

/**
 * The broker features this router implements, announced in `WELCOME.Details.roles.broker`
 * (spec: "Router: Role and Feature Announcement"; each feature's "Feature Announcement").
 */
export const BROKER_FEATURES: Readonly<Partial<Record<PubSubFeatureName, true>>> = Object.freeze({
  [PubSubFeature.PATTERN_BASED_SUBSCRIPTION]: true,
  [PubSubFeature.PUBLISHER_EXCLUSION]: true,
  [PubSubFeature.PUBLISHER_IDENTIFICATION]: true,
  [PubSubFeature.SUBSCRIBER_BLACKWHITE_LISTING]: true,
  [PubSubFeature.PAYLOAD_PASSTHRU_MODE]: true,
});

/** One subscription: a topic or pattern under a match policy, shared by all its subscribers. */
export interface Subscription {
  readonly id: Id;
  readonly topic: string;
  readonly match: MatchPolicyValue;
  readonly subscribers: ReadonlySet<RealmMember>;
}

interface MutableSubscription extends Subscription {
  readonly subscribers: Set<RealmMember>;
}

/** What a broker needs from its realm. */
export interface BrokerOptions {
  authorizer: StaticAuthorizer;
  logger: Logger;
}

/**
 * The broker of one realm (spec: basic profile "Publish and Subscribe").
 *
 * All subscribers of the same topic and match policy share one subscription and its ID, so one
 * EVENT object per (publication, subscription) goes to every receiver and the transport can
 * serialize it once (spec: "SUBSCRIBED", note on shared subscription IDs).
 */
export class Broker {
  readonly #authorizer: StaticAuthorizer;
  readonly #logger: Logger;
  readonly #index = new PatternIndex<MutableSubscription>();
  readonly #byId = new Map<Id, MutableSubscription>();
  readonly #bySession = new Map<RealmMember, Set<MutableSubscription>>();

  constructor(options: BrokerOptions) {
    this.#authorizer = options.authorizer;
    this.#logger = options.logger;
  }

  /** Number of live subscriptions (each with at least one subscriber). */
  get subscriptionCount(): number {
    return this.#byId.size;
  }

  /** The subscription with this ID, if it exists. */
  subscription(id: Id): Subscription | undefined {
    return this.#byId.get(id);
  }

  /** Handles SUBSCRIBE: answers SUBSCRIBED or ERROR. */
  subscribe(session: RealmMember, message: SubscribeMessage): ProtocolViolation {
    const { requestId, topic } = message;
    const match = message.options.match ?? 'exact';
    const fail = (error: string, text: string): undefined => {
      session.send(routerError(MessageCode.SUBSCRIBE, requestId, error, text));
      return undefined;
    };

    // Advanced profile "Pattern-based Subscription": exact, prefix or wildcard, nothing else.
    if (!isMatchPolicy(match)) return fail(ErrorUri.OPTION_NOT_ALLOWED, `unknown match policy '${String(match)}'`);
    if (!isValidUri(topic, { match })) return fail(ErrorUri.INVALID_URI, `invalid topic URI '${topic}' for ${match} matching`);
    if (!this.#authorizer.authorize(session.authrole, topic, Action.SUBSCRIBE).allowed) {
      return fail(ErrorUri.NOT_AUTHORIZED, `session is not authorized to subscribe to '${topic}'`);
    }

    let subscription = this.#index.get(topic, match);
    if (subscription === undefined) {
      subscription = { id: this.#newId(), topic, match, subscribers: new Set() };
      this.#index.set(topic, match, subscription);
      this.#byId.set(subscription.id, subscription);
    }
    // A repeated SUBSCRIBE by the same session gets the existing ID (spec: "SUBSCRIBED", note).
    subscription.subscribers.add(session);
    let own = this.#bySession.get(session);
    if (own === undefined) {
      own = new Set();
      this.#bySession.set(session, own);
    }
    own.add(subscription);
    session.send({ type: 'SUBSCRIBED', requestId, subscription: subscription.id });
    return undefined;
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
    this.#detach(session, subscription);
    this.#bySession.get(session)?.delete(subscription);
    session.send({ type: 'UNSUBSCRIBED', requestId: message.requestId });
    return undefined;
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
    const fail = (error: string, text: string): undefined => {
      this.#logger.debug({ session: session.id, topic, error }, 'publication refused');
      if (acknowledge) session.send(routerError(MessageCode.PUBLISH, requestId, error, text));
      return undefined;
    };

    if (!isValidUri(topic)) return fail(ErrorUri.INVALID_URI, `invalid topic URI '${topic}'`);
    // Spec: basic profile "Reserved URIs": application URIs MUST NOT start with `wamp`; the
    // `wamp.` topics are the router's own meta events. Crossbar answers invalid_uri too.
    if (isReservedUri(topic)) return fail(ErrorUri.INVALID_URI, `topic '${topic}' is reserved for the router`);
    const authorization = this.#authorizer.authorize(session.authrole, topic, Action.PUBLISH);
    if (!authorization.allowed) return fail(ErrorUri.NOT_AUTHORIZED, `session is not authorized to publish to '${topic}'`);
    const filtering = compileReceiverFilter(options);
    if (!filtering.ok) return fail(ErrorUri.INVALID_ARGUMENT, filtering.message);
    const { filter } = filtering;

    const publication = randomId();
    // Advanced profile "Publisher Exclusion": the publisher is left out unless exclude_me is false.
    const excludeMe = options.exclude_me !== false;
    // What every EVENT of this publication says in its details: who published, on request or
    // by the role's config (advanced profile "Publisher Identification"), and how to read a
    // passthru payload ("Payload Passthru Mode").
    const common = copyPassthruAttributes(
      options.disclose_me === true || authorization.disclosePublisher ? identityDetails('publisher', session) : {},
      options,
    );

    this.#index.forEachMatch(topic, (subscription, match) => {
      let event: EventMessage | undefined;
      for (const subscriber of subscription.subscribers) {
        if (excludeMe && subscriber === session) continue;
        if (filter !== undefined && !filter(subscriber)) continue;
        // Built once, on the first receiver, and shared by every receiver of this subscription.
        if (event === undefined) {
          // Advanced profile "Pattern-based Subscription": a pattern's subscribers learn the topic.
          const details: Dict = match === 'exact' ? { ...common } : { ...common, topic };
          event = copyPayload<EventMessage>({ type: 'EVENT', subscription: subscription.id, publication, details }, message);
        }
        subscriber.send(event);
      }
    });

    if (acknowledge) session.send({ type: 'PUBLISHED', requestId, publication });
    return undefined;
  }

  /** Removes every subscription of a session that left (spec: "Protocol Errors", disposal). */
  removeSession(session: RealmMember): void {
    const own = this.#bySession.get(session);
    if (own === undefined) return;
    this.#bySession.delete(session);
    for (const subscription of own) this.#detach(session, subscription);
  }

  #detach(session: RealmMember, subscription: MutableSubscription): void {
    subscription.subscribers.delete(session);
    if (subscription.subscribers.size === 0) {
      this.#index.delete(subscription.topic, subscription.match);
      this.#byId.delete(subscription.id);
    }
  }

  /** Subscription IDs are router scope and "can be chosen freely"; random ones are unguessable. */
  #newId(): Id {
    let id = randomId();
    while (this.#byId.has(id)) id = randomId();
    return id;
  }
}
