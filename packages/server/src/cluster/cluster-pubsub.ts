import { ErrorUri, type Id, randomId } from '@interchange/protocol';
import type {
  Broker,
  BrokerClusterHooks,
  ClusterPublication,
  FilterSubject,
  PublicationRefusal,
  Subscription,
} from '@interchange/router';
import type { ClusterContext } from './cluster-context.js';
import { tryPackEnvelope, unpackEnvelope } from './cluster-envelope.js';
import type { ClusterHistory } from './cluster-history.js';
import { type ReceivedPublication, readPublication } from './publication-envelope.js';
import { interestSubject, subjectToken, uriSubject } from './subject-tokens.js';

/**
 * How many publications a node remembers to drop a second copy of. A publication reaches a node
 * once per NATS subscription of the node that matches it, and coarse subscriptions overlap (an
 * exact and a prefix subscription to the same topic); the copies arrive one after the other.
 */
const RECENT_PUBLICATIONS = 4096;

/** A publication envelope of a session's publication (not a meta event), read. */
type PublisherPublication = ReceivedPublication & { readonly publisher: FilterSubject };

interface Interest {
  /** Subscriptions of this node, and SUBSCRIBEs waiting, that need the NATS subscription. */
  count: number;
  unsubscribe: () => void;
  /** Until NATS has the subscription: resolves once it has (a flush after subscribing). */
  ready: Promise<void> | undefined;
}

/**
 * Publish and subscribe across the nodes of a cluster, for one realm (docs/scaling.md).
 *
 * A publication accepted on this node is delivered here by the broker and sent once over NATS,
 * on the subject of its topic (`<prefix>.ev.<realm>.<topic tokens>`). A node receives it when one
 * of its subscriptions has a coarse NATS subscription matching it (one per distinct coarse
 * subject, counted), and hands it to its broker, which applies WAMP's exact rules again: exact,
 * prefix by characters, wildcard; `exclude`/`eligible` by session, authid and authrole;
 * publisher disclosure by the publisher's role. The publisher's own node never gets its
 * publications back (the connection is `noEcho`), so `exclude_me` needs nothing more.
 */
export class ClusterPubSub implements BrokerClusterHooks {
  readonly #context: ClusterContext;
  readonly #realm: string;
  readonly #broker: Broker;
  readonly #base: string;
  readonly #interest = new Map<string, Interest>();
  readonly #recent = new Set<string>();
  /** Retained publications of this process, which its broker kept already. */
  readonly #ownRetained = new Set<Id>();

  /** The realm's event histories on JetStream, when it configures any (cluster-history.ts). */
  readonly #history: ClusterHistory | undefined;

  /** Whether a session ID is another node's (a callee mirrored here). */
  readonly #isRemoteSession: (session: Id) => boolean;

  constructor(
    context: ClusterContext,
    realm: string,
    broker: Broker,
    isRemoteSession: (session: Id) => boolean,
    history?: ClusterHistory,
  ) {
    this.#context = context;
    this.#isRemoteSession = isRemoteSession;
    this.#history = history;
    this.#realm = realm;
    this.#broker = broker;
    this.#base = `${context.prefix}.ev.${subjectToken(realm)}`;
    // Subscriptions that exist before the link (event histories configured for the realm).
    for (const subscription of broker.subscriptions()) this.subscriptionCreated(subscription);
  }

  published(publication: ClusterPublication): PublicationRefusal | undefined {
    const { publisher, payload } = publication;
    const envelope = tryPackEnvelope({
      n: this.#context.node,
      r: this.#realm,
      i: publication.id,
      t: publication.topic,
      o: publication.options,
      p: [publisher.id, publisher.authid, publisher.authrole],
      a: payload.args,
      k: payload.kwargs,
      y: payload.payload,
    });
    if (envelope === undefined) {
      return {
        error: ErrorUri.INVALID_ARGUMENT,
        message: 'the publication holds a value that cannot be carried to the other nodes of the cluster',
      };
    }
    const max = this.#context.maxPayload();
    if (envelope.byteLength > max) {
      // Refused everywhere, here too: subscribers on all nodes see the same publications.
      this.#context.logger.warn(
        { realm: this.#realm, topic: publication.topic, bytes: envelope.byteLength, max_payload: max },
        'publication larger than NATS max_payload refused',
      );
      return {
        error: ErrorUri.PAYLOAD_SIZE_EXCEEDED,
        message: `the publication is ${envelope.byteLength} bytes, more than the cluster's NATS max_payload of ${max}`,
      };
    }
    this.#context.publish(uriSubject(this.#base, publication.topic), envelope);
    this.#history?.record(publication.topic, publication.options, envelope);
    if (publication.options.retain === true) {
      // Advanced profile "Event Retention", for every node: the retained-events bucket keeps the
      // newest retained publication of each topic; other nodes keep it as theirs (see `retained`).
      this.#ownRetained.add(publication.id);
      if (this.#ownRetained.size > RECENT_PUBLICATIONS)
        this.#ownRetained.delete(this.#ownRetained.values().next().value as number);
      this.#context.putRetained(uriSubject(subjectToken(this.#realm), publication.topic), envelope);
    }
    return undefined;
  }

  /**
   * A retained publication from the retained-events bucket (any node's, also from before this
   * node started): kept as the topic's retained event here, not delivered.
   */
  retained(data: Uint8Array): void {
    const publication = this.#read(unpackEnvelope(data));
    if (publication === undefined || this.#ownRetained.has(publication.id)) return;
    this.#broker.deliverFromCluster(
      publication.publisher,
      publication.topic,
      publication.options,
      publication.payload,
      publication.id,
      'retain',
    );
  }

  /**
   * Session and subscription meta events go to the other nodes' subscribers too. Registration
   * meta events do not: every node raises its own when it mirrors another node's callee. Into
   * the realm's event histories goes each once: a registration event only from the node of the
   * callee it is about (the other nodes raise theirs for their proxy of it).
   */
  metaEvent(topic: string, args: () => unknown[]): void {
    if (topic.startsWith('wamp.registration.')) {
      if (this.#history !== undefined) this.#recordRegistrationEvent(topic, args());
      return;
    }
    const envelope = tryPackEnvelope({
      n: this.#context.node,
      r: this.#realm,
      i: randomId(),
      t: topic,
      m: true,
      a: args(),
    });
    if (envelope === undefined || envelope.byteLength > this.#context.maxPayload()) {
      this.#context.logger.warn({ realm: this.#realm, topic }, 'meta event too large for the cluster, kept local');
      return;
    }
    this.#context.publish(uriSubject(this.#base, topic), envelope);
    this.#history?.record(topic, {}, envelope);
  }

  /** A registration meta event into the histories, when it is about a callee of this node. */
  #recordRegistrationEvent(topic: string, args: unknown[]): void {
    if (typeof args[0] !== 'number' || this.#isRemoteSession(args[0])) return;
    const envelope = tryPackEnvelope({
      n: this.#context.node,
      r: this.#realm,
      i: randomId(),
      t: topic,
      m: true,
      a: args,
    });
    if (envelope === undefined || envelope.byteLength > this.#context.maxPayload()) return;
    this.#history?.record(topic, {}, envelope);
  }

  /**
   * A SUBSCRIBE waits until NATS has this node's subscription to the topic's coarse subject
   * (subscribed now if needed, then flushed; on a NATS cluster, until every node's server has
   * it): a publication another node makes after SUBSCRIBED reaches NATS after it, so NATS
   * delivers it here. The waiting SUBSCRIBE holds the NATS
   * subscription until the broker has handled it. At once when NATS has it already.
   */
  subscribing(topic: string, match: string): Promise<() => void> | undefined {
    const subject = interestSubject(this.#base, topic, match);
    const interest = this.#interest.get(subject) ?? this.#open(subject);
    if (interest.ready === undefined) return undefined;
    interest.count++;
    const release = () => this.#release(subject);
    return interest.ready.then(
      () => release,
      () => release,
    );
  }

  subscriptionCreated(subscription: Subscription): void {
    const subject = interestSubject(this.#base, subscription.topic, subscription.match);
    (this.#interest.get(subject) ?? this.#open(subject)).count++;
  }

  subscriptionDeleted(subscription: Subscription): void {
    this.#release(interestSubject(this.#base, subscription.topic, subscription.match));
  }

  /** Ends every NATS subscription of this realm. */
  close(): void {
    for (const interest of this.#interest.values()) interest.unsubscribe();
    this.#interest.clear();
  }

  /** Subscribes on NATS to `subject`, held by nobody yet; `ready` once the server has it. */
  #open(subject: string): Interest {
    const interest: Interest = {
      count: 0,
      unsubscribe: this.#context.subscribe(subject, (data) => this.#receive(data)),
      ready: undefined,
    };
    const settled = () => {
      interest.ready = undefined;
    };
    // On a NATS cluster, until every server a node is connected to has it (nats-cluster.ts
    // `#probe`). Cut off from NATS, the flush fails: the SUBSCRIBE is answered anyway (the
    // client library subscribes again on reconnect), as the registration table does
    // (registration-table.ts).
    interest.ready = this.#context.reachedEveryServer().then(settled, settled);
    this.#interest.set(subject, interest);
    return interest;
  }

  /** One holder less of the NATS subscription to `subject`; the last one ends it. */
  #release(subject: string): void {
    const interest = this.#interest.get(subject);
    if (interest === undefined) return;
    interest.count--;
    if (interest.count > 0) return;
    this.#interest.delete(subject);
    interest.unsubscribe();
  }

  /** A publication from another node. Malformed envelopes are dropped with a log line. */
  #receive(data: Uint8Array): void {
    const e = unpackEnvelope(data);
    if (e?.m === true && e.r === this.#realm && typeof e.t === 'string' && Array.isArray(e.a)) {
      if (this.#seen(`${String(e.n)}:${String(e.i)}`)) return;
      this.#broker.deliverMetaFromCluster(e.t, e.a);
      return;
    }
    const publication = this.#read(e);
    if (publication === undefined || this.#seen(`${publication.node}:${publication.id}`)) return;
    // Retained events come through the retained-events bucket, so this delivery keeps none.
    const outcome = this.#broker.deliverFromCluster(
      publication.publisher,
      publication.topic,
      publication.options,
      publication.payload,
      publication.id,
      'deliver',
    );
    if (typeof outcome !== 'number') {
      this.#context.logger.debug(
        { realm: this.#realm, topic: publication.topic, error: outcome.error },
        'publication from another node not delivered here',
      );
    }
  }

  /** Whether this publication came already (through another matching NATS subscription). */
  #seen(key: string): boolean {
    if (this.#recent.has(key)) return true;
    this.#recent.add(key);
    if (this.#recent.size > RECENT_PUBLICATIONS) this.#recent.delete(this.#recent.values().next().value as string);
    return false;
  }

  /** Reads a publication envelope of this realm; `undefined` (logged) when it is not one. */
  #read(e: Record<string, unknown> | undefined): PublisherPublication | undefined {
    const publication = readPublication(e?.m === true ? undefined : e, this.#realm);
    if (publication?.publisher === undefined) {
      this.#context.logger.warn({ realm: this.#realm }, 'malformed cluster publication dropped');
      return undefined;
    }
    return publication as PublisherPublication;
  }
}
