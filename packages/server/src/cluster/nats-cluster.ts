import { randomBytes } from 'node:crypto';
import { InvalidArgumentError, TransportError } from '@interchange/protocol';
import {
  type ClusterBackend,
  type EventHistoryEntry,
  eventHistoryEntries,
  type Realm,
  type RealmConfig,
  type RealmStore,
} from '@interchange/router';
import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { type Logger, silentLogger } from '../logger.js';
import type { ClusterContext } from './cluster-context.js';
import { packEnvelope, tryPackEnvelope, unpackEnvelope } from './cluster-envelope.js';
import { ClusterHistory } from './cluster-history.js';
import { installClusterNodesProcedure } from './cluster-nodes-procedure.js';
import { ClusterRealmConnection } from './cluster-realm-link.js';
import { type RealmRouting, routingDifference, routingOf } from './config-agreement.js';
import { ensureHistoryStream, historyStreamName } from './history-stream.js';
import { connectWithRetry, openBuckets } from './nats-connect.js';
import { scatter } from './nats-scatter.js';
import { NodeLiveness } from './node-liveness.js';
import { RegistrationClaims } from './registration-claims.js';
import { RegistrationTable } from './registration-table.js';
import { RetainedSync } from './retained-sync.js';
import { isPlainToken } from './subject-tokens.js';

/** Defaults of the cluster settings. */
export const CLUSTER_DEFAULTS = Object.freeze({
  name: 'interchange',
  heartbeatMs: 1000,
  deadNodeMs: 10_000,
  retryMs: 2000,
  /** How long a cluster-wide meta procedure waits for the other nodes' answers (ms). */
  scatterMs: 2000,
});

/** Options of {@link NatsCluster.start}. */
export interface NatsClusterOptions {
  /** NATS server URLs, e.g. `nats://127.0.0.1:4222`. */
  servers: string[];
  /** Subject prefix and bucket name prefix, so several clusters can share one NATS. */
  name?: string;
  /** This node's ID (letters, digits, `_`, `-`); generated when absent. */
  node?: string;
  /** The contents of a NATS `.creds` file (JWT and NKey seed). */
  credentials?: Uint8Array;
  /** TLS to NATS: CA, client certificate and key, as PEM file paths. */
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
  /** How often this node says it is alive (ms). */
  heartbeatMs?: number;
  /** A node not heard of for this long is dead (ms): its registrations go, calls to it fail. */
  deadNodeMs?: number;
  /**
   * This node's realms: at join, their roles are compared with those of every live node, and a
   * node that disagrees on a realm both have is refused (see config-agreement.ts).
   */
  realms?: readonly RealmConfig[];
  /** Wait between attempts to reach NATS at start (ms). */
  retryMs?: number;
  logger?: Logger;
  /** Ends the attempts to reach NATS at start (the node is being stopped). */
  signal?: AbortSignal;
}

/** A generated node ID: `node-` and 12 hex digits. */
export function generateNodeId(): string {
  return `node-${randomBytes(6).toString('hex')}`;
}

/**
 * This process as a member of an Interchange cluster on NATS (docs/scaling.md): the
 * {@link ClusterBackend} the router joins its realms through.
 *
 * What it keeps on NATS: a heartbeat subject (`<name>.hb.<node>`), an inbox per node
 * (`<name>.node.<node>`) for calls and their answers, a subject telling of sessions that left
 * (`<name>.gone`), event subjects per realm and topic (see {@link ClusterPubSub}), and the
 * registration table, the JetStream key-value bucket `<name>_registrations` in memory storage,
 * which every node watches.
 *
 * @example
 * const cluster = await NatsCluster.start({ servers: ['nats://127.0.0.1:4222'], node: 'a' });
 * const router = new Router({ realms: [{ name: 'realm1' }], cluster });
 * // ...
 * await router.shutdown();
 * await cluster.close();
 */
export class NatsCluster implements ClusterBackend {
  readonly node: string;
  readonly name: string;
  readonly #nc: NatsConnection;
  /** The registration table (the `<name>_registrations` bucket). */
  readonly #table: RegistrationTable;
  /** Copies of the testaments of every node's sessions (the `<name>_testaments` bucket). */
  readonly #testaments: KV;
  /** The newest retained publication of each topic (the `<name>_retained` bucket, file storage). */
  readonly #retained: RetainedSync;
  /** Each live node's routing config, by node ID (the `<name>_nodes` bucket). */
  readonly #members: KV;
  readonly #routing: Record<string, RealmRouting>;
  readonly #logger: Logger;
  readonly #incarnation = randomBytes(8).toString('hex');
  readonly #links = new Map<string, ClusterRealmConnection>();
  readonly #pending = new Set<Promise<unknown>>();
  readonly #liveness: NodeLiveness;
  readonly #context: ClusterContext;
  readonly #heartbeatMs: number;
  readonly #retryMs: number;
  /** Procedures claimed cluster-wide, with their policy and callees (in the registration table). */
  readonly #claims: RegistrationClaims;
  readonly #jsm: JetStreamManager;
  /** The event histories of each realm that configures any, by realm name (cluster-history.ts). */
  readonly #histories = new Map<string, ClusterHistory>();
  /** The realms given at start (their history streams are created at join). */
  readonly #realms: readonly RealmConfig[];
  /** Realms whose history stream was created or checked at join. */
  readonly #historyStreams = new Set<string>();
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  /** When this node joined (its first heartbeat) and last sent one, ms since the epoch. */
  #joinedAt = 0;
  #lastBeat: number | undefined;
  /** False from a lost connection to NATS until the reconnect (nothing to catch up with meanwhile). */
  #connected = true;
  #closed = false;

  private constructor(
    nc: NatsConnection,
    jetstream: { jsm: JetStreamManager; kv: KV; members: KV; retained: KV; testaments: KV },
    options: Required<Pick<NatsClusterOptions, 'node' | 'name'>> & NatsClusterOptions,
  ) {
    const { kv, members, retained, testaments } = jetstream;
    this.#nc = nc;
    this.#jsm = jetstream.jsm;
    this.#realms = options.realms ?? [];
    this.#members = members;
    this.#testaments = testaments;
    this.#routing = routingOf(options.realms ?? []);
    this.node = options.node;
    this.name = options.name;
    this.#logger = options.logger ?? silentLogger;
    this.#heartbeatMs = options.heartbeatMs ?? CLUSTER_DEFAULTS.heartbeatMs;
    this.#retryMs = options.retryMs ?? CLUSTER_DEFAULTS.retryMs;
    this.#liveness = new NodeLiveness({
      deadNodeMs: options.deadNodeMs ?? CLUSTER_DEFAULTS.deadNodeMs,
      onJoin: (node) => this.#logger.info({ node }, 'cluster node joined'),
      onDead: (node) => this.#nodeDead(node),
    });
    this.#claims = new RegistrationClaims(kv, this.node, (node) => this.#liveness.isAlive(node), this.#logger);
    this.#table = new RegistrationTable({
      kv,
      node: this.node,
      logger: this.#logger,
      liveness: this.#liveness,
      claims: this.#claims,
      links: this.#links,
      track: (operation) => this.#track(operation),
      reachable: () => !this.#closed && !this.#nc.isClosed() && this.#connected,
      waitMs: CLUSTER_DEFAULTS.scatterMs,
    });
    this.#retained = new RetainedSync(retained, this.#links, Object.keys(this.#routing), this.#logger);
    this.#context = this.#makeContext();
  }

  /**
   * Connects to NATS (retrying, with a warning each time, until it answers or `signal` aborts),
   * opens the registration table, reads it whole, and starts the heartbeats. The router must be
   * created after this resolves, so it starts as a full member.
   *
   * @throws TransportError when NATS has no JetStream, or the attempts were aborted.
   */
  static async start(options: NatsClusterOptions): Promise<NatsCluster> {
    const logger = options.logger ?? silentLogger;
    const name = options.name ?? CLUSTER_DEFAULTS.name;
    const node = options.node ?? generateNodeId();
    if (!isPlainToken(name) || !isPlainToken(node)) {
      throw new TransportError(`cluster name '${name}' and node ID '${node}' may hold only letters, digits, _ and -`);
    }
    const nc = await connectWithRetry(
      {
        servers: options.servers,
        credentials: options.credentials,
        tls: options.tls,
        retryMs: options.retryMs ?? CLUSTER_DEFAULTS.retryMs,
        signal: options.signal,
      },
      node,
      logger,
    );
    let buckets: Awaited<ReturnType<typeof openBuckets>>;
    let jsm: JetStreamManager;
    try {
      buckets = await openBuckets(nc, name);
      jsm = await jetstreamManager(nc);
    } catch (error) {
      await nc.close().catch(() => undefined);
      throw new TransportError(
        `NATS at ${nc.getServer()} offers no JetStream key-value store (start nats-server with -js): ${String(error)}`,
        { cause: error },
      );
    }
    const cluster = new NatsCluster(nc, { ...buckets, jsm }, { ...options, node, name });
    try {
      await cluster.#join();
    } catch (error) {
      await cluster.close();
      throw error;
    }
    logger.info({ node, name, server: nc.getServer() }, 'joined the cluster');
    return cluster;
  }

  /**
   * A realm with `event-history` entries keeps them in the cluster's JetStream stream (see
   * {@link ClusterHistory}); other realms keep their store as it is.
   */
  realmStore(config: RealmConfig, store: RealmStore): RealmStore | undefined {
    const entries = eventHistoryEntries(config.store);
    if (entries.length === 0) return undefined;
    const history = new ClusterHistory({
      nc: this.#nc,
      jsm: this.#jsm,
      cluster: this.name,
      realm: config.name,
      entries,
      base: store,
      logger: this.#logger,
      ensured: this.#historyStreams.has(config.name),
      reachable: () => !this.#closed && !this.#nc.isClosed() && this.#connected,
      waitMs: CLUSTER_DEFAULTS.scatterMs,
    });
    this.#histories.set(config.name, history);
    return history;
  }

  attachRealm(realm: Realm): ClusterRealmConnection {
    const history = this.#histories.get(realm.name);
    history?.attach(realm);
    const link = new ClusterRealmConnection(this.#context, realm, history);
    installClusterNodesProcedure(realm.procedures, {
      node: this.node,
      joinedAt: this.#joinedAt,
      lastHeartbeat: () => this.#lastBeat,
      liveNodes: () => this.#liveness.liveNodes(),
    });
    this.#links.set(realm.name, link);
    this.#table.replay(realm.name, link);
    this.#retained.replay(realm.name, link);
    return link;
  }

  /**
   * Resolves once NATS has every subscription and table update this node made so far. Another
   * node's publication can reach a subscription only after that (tests wait for it).
   */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
    await this.#nc.flush();
  }

  /** The NATS server this node is connected to now (`host:port`). */
  get server(): string {
    return this.#nc.getServer();
  }

  /** Whether another node is currently considered alive. */
  isAlive(node: string): boolean {
    return this.#liveness.isAlive(node);
  }

  /**
   * Leaves the cluster: says goodbye (the others drop this node's registrations at once), deletes
   * this node's table entries, and closes the connection. Shut the router down first, so its
   * sessions' own departures reach the others.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
    this.#liveness.close();
    this.#table.stop();
    this.#retained.stop();
    for (const link of this.#links.values()) link.close();
    try {
      // What the sessions' departures changed (testament copies deleted, callees removed) is in
      // NATS before the goodbye, so no survivor publishes a testament that was published already.
      await Promise.allSettled([...this.#pending]);
      this.#nc.publish(`${this.name}.hb.${this.node}`, packEnvelope({ n: this.node, c: this.#incarnation, bye: true }));
      await Promise.allSettled([
        ...this.#pending,
        ...this.#table.deleteOwn(),
        this.#members.delete(this.node),
        ...[...this.#histories.values()].map((history) => history.close()),
      ]);
      await this.#nc.drain();
    } catch (error) {
      this.#logger.warn({ err: error }, 'leaving the cluster: NATS connection already closed');
    }
  }

  async #join(): Promise<void> {
    const { name, node } = this;
    this.#subscribe(`${name}.hb.*`, (data) => {
      const e = unpackEnvelope(data);
      if (e === undefined || typeof e.n !== 'string' || typeof e.c !== 'string' || e.n === node) return;
      if (e.bye === true) this.#liveness.left(e.n);
      else this.#liveness.heartbeat(e.n, e.c);
    });
    this.#subscribe(`${name}.node.${node}`, (data) => {
      const e = unpackEnvelope(data);
      if (e === undefined || typeof e.r !== 'string') return;
      this.#links.get(e.r)?.inbox(e);
    });
    // The probe of other nodes (see #probe): answered at once, with nothing.
    this.#subscribe(`${name}.probe`, (_data, message) => {
      if (message.reply !== undefined && !this.#nc.isClosed())
        this.#nc.publish(message.reply, packEnvelope({ n: node }));
    });
    this.#subscribe(`${name}.gone`, (data) => {
      const e = unpackEnvelope(data);
      if (e === undefined || typeof e.r !== 'string' || typeof e.n !== 'string' || typeof e.s !== 'number') return;
      this.#links.get(e.r)?.mirror.sessionGone(e.n, e.s);
    });
    await this.#checkAgreement();
    await this.#ensureHistoryStreams();
    await this.#table.watch();
    await this.#retained.watch();
    void this.#followConnection();
    const beat = () => {
      this.#lastBeat = Date.now();
      this.#nc.publish(`${name}.hb.${node}`, packEnvelope({ n: node, c: this.#incarnation }));
    };
    beat();
    this.#joinedAt = this.#lastBeat as number;
    this.#heartbeat = setInterval(beat, this.#heartbeatMs);
    this.#heartbeat.unref();
    this.#nc.closed().then((error) => {
      if (!this.#closed) this.#logger.error({ err: error }, 'NATS connection closed; this node left the cluster');
    });
  }

  /**
   * Refuses to join a cluster whose live nodes route a shared realm differently (roles,
   * permissions, authorizers): the same session would be allowed on one node and refused on
   * another. Listens to one round of heartbeats first, to know who is alive.
   */
  async #checkAgreement(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, this.#heartbeatMs + 250));
    for (const node of this.#liveness.aliveNodes()) {
      const entry = await this.#members.get(node).catch(() => null);
      if (entry === null || entry.operation !== 'PUT') continue;
      let theirs: Record<string, RealmRouting>;
      try {
        theirs = entry.json<Record<string, RealmRouting>>();
      } catch {
        continue;
      }
      const difference = routingDifference(this.#routing, theirs, node);
      if (difference !== undefined) {
        throw new InvalidArgumentError(
          `this node's config differs from the cluster '${this.name}': ${difference}; every node must run the same realms, roles and event histories`,
        );
      }
    }
    await this.#members.put(this.node, JSON.stringify(this.#routing));
  }

  /**
   * A realm with `event-history` keeps it in a JetStream stream: a node that cannot create it
   * does not start (docs/scaling.md, "Event history"), rather than keep a history of its own
   * that would answer differently from the other nodes'. After the config agreement, so a node
   * refused at join changes no stream.
   */
  async #ensureHistoryStreams(): Promise<void> {
    for (const [realm, entries] of historiesOf(this.#realms)) {
      try {
        await ensureHistoryStream(this.#jsm, this.name, realm, entries);
      } catch (error) {
        throw new TransportError(
          `realm '${realm}' keeps an event history, and NATS at ${this.#nc.getServer()} cannot keep it in the JetStream stream '${historyStreamName(this.name, realm)}': ${String(error)}`,
          { cause: error },
        );
      }
      this.#historyStreams.add(realm);
    }
  }

  /** Logs connection losses, and resynchronises after each reconnect. */
  async #followConnection(): Promise<void> {
    for await (const status of this.#nc.status()) {
      if (this.#closed) return;
      if (status.type === 'disconnect') {
        this.#logger.warn(
          { server: status.server },
          'lost the connection to NATS; calls in flight to other nodes fail; reconnecting',
        );
        this.#connected = false;
        this.#liveness.pause();
        for (const link of this.#links.values()) link.connectionLost();
      } else if (status.type === 'reconnect') {
        this.#logger.info({ server: status.server }, 'reconnected to NATS; resynchronising');
        this.#connected = true;
        this.#liveness.resume();
        await this.#resyncUntilDone();
      }
    }
  }

  /**
   * Resynchronises, again and again until it succeeds: on a NATS cluster that lost a server,
   * JetStream answers only once the buckets' replicas have elected new leaders (seconds), and
   * a node that gave up would never read the registration table again.
   */
  async #resyncUntilDone(): Promise<void> {
    for (let attempt = 1; !this.#closed && !this.#nc.isClosed(); attempt++) {
      try {
        await this.#resync();
        if (attempt > 1) this.#logger.info({ attempt }, 'resynchronised with the cluster');
        return;
      } catch (error) {
        this.#logger.warn({ err: error, attempt }, 'resynchronising with the cluster failed; trying again');
        await new Promise((resolve) => setTimeout(resolve, this.#retryMs));
      }
    }
  }

  /**
   * After a reconnect: NATS may have restarted and lost the buckets (memory storage), and other
   * nodes may have taken this one for dead. Recreate the buckets, write this node's entries
   * again, and read the table afresh, forgetting entries that are gone.
   */
  async #resync(): Promise<void> {
    await openBuckets(this.#nc, this.name);
    await this.#members.put(this.node, JSON.stringify(this.#routing));
    await this.#table.resync(() => Promise.allSettled([...this.#pending]));
    await this.#retained.watch();
    for (const history of this.#histories.values()) await history.resync();
  }

  #nodeDead(node: string): void {
    this.#logger.warn({ node }, 'cluster node gone: its registrations are removed and calls to it fail');
    // One survivor publishes the dead node's testaments: the lowest node ID alive, as every
    // node sees it (two nodes that disagree for a moment may both publish).
    const elected = [this.node, ...this.#liveness.aliveNodes()].sort()[0] === this.node;
    for (const link of this.#links.values()) link.nodeDead(node, elected && !this.#closed);
    if (!this.#closed) this.#track(this.#members.delete(node));
    if (!this.#closed) this.#track(this.#claims.nodeDead(node));
    this.#table.nodeDead(node, this.#closed);
  }

  #subscribe(subject: string, onMessage: (data: Uint8Array, message: Msg) => void): () => void {
    const subscription = this.#nc.subscribe(subject, {
      callback: (error, message) => {
        if (error !== null) {
          this.#logger.warn({ err: error, subject }, 'NATS subscription error');
          return;
        }
        try {
          onMessage(message.data, message);
        } catch (thrown) {
          // A bad message from another node must not take this one down.
          this.#logger.error({ err: thrown, subject }, 'cluster message handler failed');
        }
      },
    });
    return () => {
      if (!this.#nc.isClosed()) subscription.unsubscribe();
    };
  }

  /**
   * Resolves once every NATS server a live node is connected to has the subscriptions this node
   * made before the call. With one NATS server, a flush says so. On a NATS cluster, a server
   * passes a new subscription to the others over its routes, a moment later: so this node asks
   * every live node (a scatter on `<name>.probe`) and waits for all answers. A node's server
   * delivers the question only after every subscription this node made before it, since a
   * server sends a client's subscriptions and its messages down one route in the order the
   * client sent them; an answer therefore says that server has them all. A node that does
   * not answer within the scatter's time is not waited for longer.
   */
  async #probe(): Promise<void> {
    await this.#nc.flush();
    if (this.#nc.info?.cluster === undefined) return;
    await this.#scatter(`${this.name}.probe`, {});
  }

  #scatter(subject: string, envelope: object): Promise<Record<string, unknown>[]> {
    const expected = this.#liveness.aliveCount();
    if (expected === 0 || this.#closed) return Promise.resolve([]);
    const target = { nc: this.#nc, prefix: this.name, subscribe: this.#subscribe.bind(this) };
    return scatter(target, subject, envelope, expected, CLUSTER_DEFAULTS.scatterMs);
  }

  #track(operation: Promise<unknown>): void {
    const tracked = operation.catch((error: unknown) => {
      if (!this.#closed) this.#logger.warn({ err: error }, 'registration table update failed');
    });
    this.#pending.add(tracked);
    void tracked.finally(() => this.#pending.delete(tracked));
  }

  #makeContext(): ClusterContext {
    const cluster = this;
    const nc = this.#nc;
    return {
      node: this.node,
      prefix: this.name,
      logger: this.#logger,
      maxPayload: () => nc.info?.max_payload ?? 1024 * 1024,
      publish: (subject, data) => nc.publish(subject, data),
      flush: () => nc.flush(),
      reachedEveryServer: () => cluster.#probe(),
      subscribe: (subject, onMessage) => cluster.#subscribe(subject, onMessage),
      sendToNode(node, envelope) {
        const data = tryPackEnvelope(envelope);
        if (data === undefined) return 'unencodable';
        if (data.byteLength > this.maxPayload()) return 'too-large';
        nc.publish(`${cluster.name}.node.${node}`, data);
        return 'sent';
      },
      scatter: (subject, envelope) => cluster.#scatter(subject, envelope),
      request: async (subject, envelope, timeoutMs) => {
        try {
          return unpackEnvelope((await nc.request(subject, packEnvelope(envelope), { timeout: timeoutMs })).data);
        } catch {
          return undefined;
        }
      },
      claimOf: (key) => cluster.#claims.seen(key),
      isAlive: (node) => cluster.#liveness.isAlive(node),
      serve: (subject, answer) =>
        cluster.#subscribe(subject, (data, message) => {
          const request = unpackEnvelope(data);
          if (request === undefined || message.reply === undefined) return;
          const reply = message.reply;
          void answer(request).then(
            (response) => {
              if (!nc.isClosed()) nc.publish(reply, packEnvelope(response));
            },
            (error: unknown) => cluster.#logger.warn({ err: error, subject }, 'cluster request failed'),
          );
        }),
      sessionGone: (realm, session) => {
        nc.publish(`${cluster.name}.gone`, packEnvelope({ r: realm, n: cluster.node, s: session }));
      },
      putTestament: (key, envelope) => {
        cluster.#track(cluster.#testaments.put(key, envelope));
      },
      deleteTestament: (key) => {
        cluster.#track(cluster.#testaments.delete(key));
      },
      takeTestaments: async (filter) => {
        const taken: Uint8Array[] = [];
        for await (const key of await cluster.#testaments.keys(filter)) {
          const entry = await cluster.#testaments.get(key);
          if (entry === null || entry.operation !== 'PUT') continue;
          taken.push(entry.value);
          await cluster.#testaments.delete(key);
        }
        return taken;
      },
      putRetained: (key, envelope) => {
        cluster.#track(cluster.#retained.put(key, envelope));
      },
      putRegistration: (key, value) => cluster.#table.put(key, value),
      caughtUp: () => cluster.#table.caughtUp(),
      claim: (key, holder, decide) => cluster.#claims.claim(key, holder, decide),
      releaseClaim: (key, session) => {
        const release = cluster.#claims.release(key, session);
        if (release !== undefined) cluster.#track(release);
        return release;
      },
      deleteRegistration: (key) => cluster.#table.delete(key),
    };
  }
}

/** The `event-history` entries of each realm that has some. */
function historiesOf(realms: readonly RealmConfig[]): Map<string, EventHistoryEntry[]> {
  const histories = new Map<string, EventHistoryEntry[]>();
  for (const realm of realms) {
    const entries = eventHistoryEntries(realm.store);
    if (entries.length > 0) histories.set(realm.name, entries);
  }
  return histories;
}
