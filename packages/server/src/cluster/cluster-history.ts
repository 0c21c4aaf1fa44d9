import type { Dict, Id } from '@interchange/protocol';
import {
  type Broker,
  type EventHistoryEntry,
  isStorable,
  type Realm,
  type RealmStore,
  type RetainedEventStore,
  type StoredHistory,
} from '@interchange/router';
import {
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../logger.js';
import { unpackEnvelope } from './cluster-envelope.js';
import {
  ensureHistoryStream,
  historyEntryKey,
  historyStreamName,
  historySubjectBase,
  historySubscriptionId,
} from './history-stream.js';
import { readPublication } from './publication-envelope.js';
import { StreamHistoryLog } from './stream-history-log.js';

/** What a realm's {@link ClusterHistory} needs from the node's cluster member. */
export interface ClusterHistoryOptions {
  readonly nc: NatsConnection;
  /** The cluster's JetStream manager (opened once at start). */
  readonly jsm: JetStreamManager;
  /** The cluster `name` (subject and stream prefix). */
  readonly cluster: string;
  readonly realm: string;
  readonly entries: readonly EventHistoryEntry[];
  /** The realm's own store (memory or lmdb): it keeps the retained events. */
  readonly base: RealmStore;
  readonly logger: Logger;
  /** Whether the stream was created or checked at the node's start already. */
  readonly ensured: boolean;
  /** Whether NATS can be asked now (not cut off, not closed). */
  readonly reachable: () => boolean;
  /** How long `get_events` waits for this node to catch up with the stream (ms). */
  readonly waitMs: number;
}

/** One configured history: its subject, its cluster-wide subscription ID, and this node's copy. */
interface HistoryTarget {
  readonly subject: string;
  readonly id: Id;
  readonly log: StreamHistoryLog;
}

/**
 * The event histories of one realm on a cluster node (docs/scaling.md, "Event history"): the
 * realm's store as the router sees it. Retained events stay in the realm's own store; the
 * configured histories live in the realm's JetStream stream (history-stream.ts), so every node
 * answers `wamp.subscription.get_events` the same, also a node that was down or cut off while
 * the events were published, or that joined later.
 *
 * - **Writing.** A publication accepted on this node that a configured history keeps is written
 *   to that history's subject by this node alone ({@link record}, from cluster-pubsub.ts);
 *   PUBLISHED waits for JetStream's acknowledgement ({@link durable}), so an acknowledged event
 *   is in the history on every node that asks afterwards.
 * - **Reading.** Every node reads the stream from its start with an ordered consumer and keeps
 *   the last `limit` events of each history ({@link StreamHistoryLog}); the broker's own appends
 *   are ignored. Before answering `get_events` the node catches up with the stream (its last
 *   sequence when asked), waiting at most `waitMs`.
 * - **Subscription IDs** of the histories are derived from the cluster name, realm and entry,
 *   the same on every node and across restarts.
 */
export class ClusterHistory implements RealmStore {
  readonly #options: ClusterHistoryOptions;
  readonly #stream: string;
  readonly #js: JetStreamClient;
  /** The configured histories, by the entry key that ends their subject. */
  readonly #targets = new Map<string, HistoryTarget>();
  readonly #byId = new Map<Id, HistoryTarget>();
  /** JetStream writes not yet acknowledged. */
  readonly #writes = new Set<Promise<unknown>>();
  readonly #waiters = new Set<{ seq: number; resolve: () => void }>();
  #broker: Broker | undefined;
  #messages: ConsumerMessages | undefined;
  /** The stream's creation time when this node started reading it (a recreated stream is read again). */
  #streamCreated: string | undefined;
  /** The last stream sequence this node applied. */
  #applied = 0;
  /** Whether the publication being handed to the broker now was written to the stream. */
  #wroteCurrent = false;
  #ready: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(options: ClusterHistoryOptions) {
    this.#options = options;
    this.#stream = historyStreamName(options.cluster, options.realm);
    this.#js = jetstream(options.nc);
  }

  /**
   * Whether PUBLISHED waits for {@link durable}: with a persistent base store always; otherwise
   * only for a publication this node just wrote to the stream (the broker asks right after
   * handing the publication to the cluster), so publications no history keeps are acknowledged
   * as on a single node, before their EVENTs.
   */
  get persistent(): boolean {
    return this.#options.base.persistent || this.#wroteCurrent;
  }

  get retained(): RetainedEventStore {
    return this.#options.base.retained;
  }

  history(entry: EventHistoryEntry): StoredHistory {
    const { cluster, realm } = this.#options;
    const target: HistoryTarget = {
      subject: `${historySubjectBase(cluster, realm)}.${historyEntryKey(entry)}`,
      id: historySubscriptionId(cluster, realm, entry),
      log: new StreamHistoryLog(entry.limit),
    };
    this.#targets.set(historyEntryKey(entry), target);
    this.#byId.set(target.id, target);
    return { log: target.log, subscriptionId: target.id };
  }

  rememberSubscription(): void {}

  durable(): Promise<void> | undefined {
    const base = this.#options.base.durable();
    if (this.#writes.size === 0) return base;
    return Promise.all([...this.#writes, base]).then(() => undefined);
  }

  /** Stops reading the stream once the writes made are acknowledged; the base store is its owner's to close. */
  async close(): Promise<void> {
    this.stop();
    await Promise.allSettled([...this.#writes]);
  }

  /**
   * Starts reading the stream, with `realm`'s broker to build the events, and makes
   * `get_events` catch up with the stream first.
   */
  attach(realm: Realm): void {
    this.#broker = realm.broker;
    if (realm.procedures.get('wamp.subscription.get_events') !== undefined) {
      realm.procedures.wrap('wamp.subscription.get_events', (local) => async (call) => {
        await this.caughtUp();
        return local(call);
      });
    }
    this.#ready = this.#start(!this.#options.ensured);
    this.#ready.catch((error: unknown) =>
      this.#options.logger.error(
        { err: error, realm: this.#options.realm, stream: this.#stream },
        'cannot read the event history stream; get_events answers from what this node has',
      ),
    );
  }

  /**
   * A publication of this node (or a meta event it raised), as its cluster envelope: written to
   * the subject of every configured history its topic matches, unless it names receivers by
   * session (spec "Event History", "Security Aspects": such publications are not kept).
   */
  record(topic: string, options: Dict, envelope: Uint8Array): void {
    this.#wroteCurrent = false;
    const broker = this.#broker;
    if (broker === undefined || this.#closed || !isStorable(options)) return;
    for (const subscription of broker.match(topic)) {
      const target = this.#byId.get(subscription.id);
      if (target === undefined) continue;
      this.#wroteCurrent = true;
      const write = this.#js.publish(target.subject, envelope);
      this.#writes.add(write);
      const done = () => this.#writes.delete(write);
      write.then(done, (error: unknown) => {
        done();
        this.#options.logger.error(
          { err: error, realm: this.#options.realm, topic },
          'event history: JetStream did not store a publication',
        );
      });
    }
  }

  /**
   * Resolves once this node has applied every message the stream held when called (at most
   * `waitMs` later, logged); at once when NATS cannot be reached.
   */
  async caughtUp(): Promise<void> {
    await this.#ready.catch(() => undefined);
    if (!this.#options.reachable() || this.#closed) return;
    let last: number;
    try {
      last = (await this.#options.jsm.streams.info(this.#stream)).state.last_seq;
    } catch (error) {
      this.#options.logger.warn({ err: error, stream: this.#stream }, 'event history: stream not reachable');
      return;
    }
    if (last <= this.#applied) return;
    await new Promise<void>((resolve) => {
      const waiter = {
        seq: last,
        resolve: () => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.#options.logger.warn(
          { stream: this.#stream, seq: last, applied: this.#applied },
          'event history: not caught up with the stream in time; answering with what this node has',
        );
        waiter.resolve();
      }, this.#options.waitMs);
      this.#waiters.add(waiter);
    });
  }

  /**
   * After a reconnect: the stream may be gone (a NATS server without its store) or recreated by
   * another node. Creates it if needed, and reads it again from its start if it is not the one
   * this node was reading.
   */
  async resync(): Promise<void> {
    if (this.#closed || this.#broker === undefined) return;
    await ensureHistoryStream(this.#options.jsm, this.#options.cluster, this.#options.realm, this.#options.entries);
    const info = await this.#options.jsm.streams.info(this.#stream);
    if (info.created === this.#streamCreated && this.#messages !== undefined) return;
    this.#ready = this.#start(false);
    await this.#ready;
  }

  /** Stops reading the stream. */
  stop(): void {
    this.#closed = true;
    void this.#messages?.close();
    for (const waiter of [...this.#waiters]) waiter.resolve();
  }

  /** (Re)starts reading the stream from its start into emptied histories. */
  async #start(ensure: boolean): Promise<void> {
    const { jsm, cluster, realm, entries } = this.#options;
    if (ensure) await ensureHistoryStream(jsm, cluster, realm, entries);
    await this.#messages?.close();
    for (const target of this.#targets.values()) target.log.clear();
    this.#applied = 0;
    this.#streamCreated = (await jsm.streams.info(this.#stream)).created;
    // The whole stream (it holds this realm's histories only); no filter, which Debian's
    // nats-server 2.9 would refuse as a list.
    const consumer = await this.#js.consumers.get(this.#stream, { deliver_policy: DeliverPolicy.All });
    const messages = await consumer.consume();
    this.#messages = messages;
    void (async () => {
      for await (const message of messages) this.#apply(message);
    })()
      .catch((error: unknown) =>
        this.#options.logger.error({ err: error, stream: this.#stream }, 'event history: reading the stream ended'),
      )
      .finally(() => {
        // Ended other than by stop() or a restart: the next resync (after a reconnect) reads again.
        if (this.#messages === messages) this.#messages = undefined;
      });
  }

  /** One message of the stream: an event of the history its subject names. */
  #apply(message: JsMsg): void {
    const target = this.#targets.get(message.subject.slice(message.subject.lastIndexOf('.') + 1));
    const broker = this.#broker;
    // Messages of a history no longer configured are skipped.
    if (target !== undefined && broker !== undefined) {
      const publication = readPublication(unpackEnvelope(message.data), this.#options.realm);
      const event =
        publication === undefined
          ? undefined
          : broker.historyEventFromCluster(
              target.id,
              publication.publisher,
              publication.topic,
              publication.options,
              publication.payload,
              publication.id,
              message.time.getTime(),
            );
      if (event === undefined || 'error' in event) {
        this.#options.logger.warn(
          { stream: this.#stream, seq: message.seq, refused: event?.error },
          'event history: stream message not kept',
        );
      } else {
        target.log.fromStream(event);
      }
    }
    this.#applied = message.seq;
    for (const waiter of [...this.#waiters]) if (waiter.seq <= message.seq) waiter.resolve();
  }
}
