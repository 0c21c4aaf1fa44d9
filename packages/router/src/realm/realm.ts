import { type Clock, type Id, InvalidArgumentError, isValidUri, systemClock } from '@interchange/protocol';
import { Broker } from '../broker/broker.js';
import { eventHistoryEntries } from '../broker/event-history.js';
import type { ClusterBackend, ClusterRealmLink } from '../cluster-backend.js';
import { callQueueSettings } from '../dealer/call-queue-entries.js';
import { Dealer } from '../dealer/dealer.js';
import { type Logger, silentLogger } from '../logger.js';
import { MetaApi } from '../meta/meta-api.js';
import type { JoinedSession } from '../meta/meta-sessions.js';
import { RouterProcedures } from '../meta/router-procedures.js';
import { SessionStats, sessionStatsSettings } from '../meta/session-stats.js';
import { OffenderLog } from '../offender-log.js';
import type { RouterStats } from '../router-stats.js';
import type { RealmConfig } from './realm-config.js';
import { type RealmLimits, realmLimits } from './realm-limits.js';
import { MemoryRealmStore, type RealmStore } from './realm-store.js';
import { StaticAuthorizer } from './static-authorizer.js';
import { resolveDialect, type WampDialect } from './wamp-dialect.js';

/**
 * A realm: a routing and administrative domain with its own broker, dealer and sessions
 * (spec: basic profile "Realms, Sessions and Transports"). Sessions of different realms never
 * see each other's topics or procedures.
 *
 * @example
 * const realm = router.addRealm({ name: 'realm1' });
 * realm.sessionCount; // 0
 */
export class Realm {
  readonly name: string;
  readonly authorizer: StaticAuthorizer;
  readonly broker: Broker;
  readonly dealer: Dealer;
  /** Where the spec and Crossbar differ, which side this realm takes (see wamp-dialect.ts). */
  readonly dialect: WampDialect;
  /** Procedures the router implements itself in this realm (the meta API); see {@link RouterProcedures}. */
  readonly procedures = new RouterProcedures();
  readonly #sessions = new Map<Id, JoinedSession>();
  /** The realm's bounds (its `limits` block with the defaults filled in; docs/security.md). */
  readonly limits: RealmLimits;
  /** Who hit which bound, logged once per session and counted. */
  readonly offenders: OffenderLog;
  readonly #meta: MetaApi;
  readonly #cluster: ClusterRealmLink | undefined;
  /** Only in a realm with `stats`: sessions of other realms are not metered at all. */
  readonly #stats: SessionStats | undefined;

  /**
   * @throws InvalidArgumentError when the realm name is not a valid URI or a role is malformed.
   */
  constructor(
    config: RealmConfig,
    options: {
      logger?: Logger;
      clock?: Clock;
      random?: () => number;
      store?: RealmStore | undefined;
      cluster?: ClusterBackend;
      stats?: RouterStats;
    } = {},
  ) {
    // Spec: "Incorrect URIs" names the realm among the URI-valued attributes.
    if (typeof config.name !== 'string' || !isValidUri(config.name)) {
      throw new InvalidArgumentError(`realm name '${String(config.name)}' is not a valid URI`);
    }
    const logger = options.logger ?? silentLogger;
    const eventHistory = eventHistoryEntries(config.store);
    // The router opens no files: a persistent store comes from the host, or the realm refuses.
    if (config.store?.type === 'lmdb' && options.store === undefined)
      throw new InvalidArgumentError(`realm '${config.name}': an lmdb store must be opened by the host (the server)`);
    this.name = config.name;
    this.dialect = resolveDialect(config.dialect);
    this.authorizer = new StaticAuthorizer(config.roles);
    this.limits = realmLimits(config.limits);
    const offenders = new OffenderLog(logger);
    this.offenders = offenders;
    const store =
      options.store ??
      new MemoryRealmStore({ maxTopics: this.limits.retainedTopics, maxBytes: this.limits.retainedBytes });
    this.broker = new Broker({
      offenders,
      maxSubscriptionsPerSession: this.limits.subscriptionsPerSession,
      deliveries: options.stats,
      authorizer: this.authorizer,
      logger,
      clock: options.clock ?? systemClock,
      eventHistory,
      // docs/scaling.md: a cluster backend may keep the histories for every node.
      store: options.cluster?.realmStore?.(config, store) ?? store,
    });
    this.dealer = new Dealer({
      authorizer: this.authorizer,
      logger,
      procedures: this.procedures,
      clock: options.clock ?? systemClock,
      dialect: this.dialect,
      limits: this.limits,
      offenders,
      callQueues: callQueueSettings(config.store),
      ...(options.random === undefined ? {} : { random: options.random }),
      stats: options.stats,
    });
    // Advanced profile "Meta API": the session, subscription, registration and testament meta
    // procedures and events of this realm.
    this.#meta = new MetaApi({
      broker: this.broker,
      dealer: this.dealer,
      procedures: this.procedures,
      authorizer: this.authorizer,
      logger,
      dialect: this.dialect,
      session: (id) => this.#sessions.get(id),
      sessions: () => this.#sessions.values(),
    });
    this.#stats =
      config.stats === undefined
        ? undefined
        : new SessionStats(config.name, sessionStatsSettings(config.stats), this.broker, options.clock ?? systemClock);
    // docs/scaling.md: a cluster backend joins this realm to its namesakes on other nodes.
    this.#cluster = options.cluster?.attachRealm(this);
  }

  /** Number of sessions attached to this realm. */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  /** The attached session with this ID, if any. */
  session(id: Id): JoinedSession | undefined {
    return this.#sessions.get(id);
  }

  /** Whether the realm is joined to the realms of the same name on other nodes (a cluster). */
  get clustered(): boolean {
    return this.#cluster !== undefined;
  }

  /** The attached sessions. */
  sessions(): IterableIterator<JoinedSession> {
    return this.#sessions.values();
  }

  /** Attaches an established session; subscribers of `wamp.session.on_join` hear of it. */
  join(session: JoinedSession): void {
    this.#sessions.set(session.id, session);
    this.#meta.sessionJoined(session);
    this.#stats?.joined(session);
  }

  /**
   * Detaches a session and disposes of everything it held: subscriptions, registrations, and
   * the calls in flight to and from it; then its testaments are published and subscribers of
   * `wamp.session.on_leave` hear of it.
   *
   * @returns on a cluster, a promise that settles once the other nodes can no longer route to
   *   the session's registrations (the GOODBYE reply waits for it); else `undefined`.
   */
  leave(session: JoinedSession): Promise<void> | undefined {
    if (this.#sessions.get(session.id) !== session) return undefined;
    this.#sessions.delete(session.id);
    this.broker.removeSession(session);
    this.dealer.removeSession(session);
    const released = this.#cluster?.sessionLeft(session);
    this.#meta.sessionLeft(session);
    this.#stats?.left(session);
    return released;
  }
}
