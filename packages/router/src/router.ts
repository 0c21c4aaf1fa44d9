import { type Clock, ErrorUri, type Id, InvalidArgumentError, randomId, systemClock } from '@interchange/protocol';
import { RouterAuth, type RouterAuthOptions } from './auth/router-auth.js';
import type { ClusterBackend } from './cluster-backend.js';
import { type Logger, silentLogger } from './logger.js';
import { Realm } from './realm/realm.js';
import type { RealmConfig } from './realm/realm-config.js';
import type { RealmStore } from './realm/realm-store.js';
import { RouterStats } from './router-stats.js';
import type { Peer, PeerConnection } from './session/peer.js';
import { type ConnectOptions, RouterSession, type SessionHost } from './session/router-session.js';
import type { RouterPlacement } from './session/welcome-details.js';

/** Options of {@link Router}. */
export interface RouterOptions {
  /** Realms to create at once. */
  realms?: RealmConfig[];
  /** Time source for timeouts; defaults to the system clock. */
  clock?: Clock;
  /** Where the router logs; silent by default. */
  logger?: Logger;
  /**
   * Random source in [0, 1) for the `random` invocation policy of shared registrations
   * (advanced profile "Shared Registration"); defaults to `Math.random`. Tests pass their own.
   */
  random?: () => number;
  /**
   * Create an unknown realm (without roles: everything allowed) when a client asks for it,
   * instead of answering ABORT `wamp.error.no_such_realm`. The spec leaves this to the router
   * (basic profile "WELCOME", note on non-existing realms). Defaults to `false`.
   */
  autoCreateRealms?: boolean;
  /**
   * Authentication and authorization settings: failed-attempt throttling, challenge, authenticator
   * and authorizer timeouts, the router's cryptosign key. Which methods a client may use is set
   * per transport, by `connect(peer, { transportAuth })`.
   */
  auth?: RouterAuthOptions;
  /**
   * The store of each realm's retained events and histories; by default (or when it answers
   * `undefined`) the memory store. The server passes its LMDB stores here.
   */
  realmStore?: (realm: RealmConfig) => RealmStore | undefined;
  /**
   * Joins every realm of this router to the realms of the same name on other router processes
   * (docs/scaling.md). Without it the router is a single process.
   */
  cluster?: ClusterBackend;
  /**
   * Where this router runs, told to every client in WELCOME as Crossbar does (`x_cb_node`,
   * `x_cb_worker`, `x_cb_pid`, and the session's `x_cb_peer`; see session/welcome-details.ts).
   * Without it WELCOME carries none of these.
   */
  placement?: RouterPlacement;
}

/** Options of {@link Router.shutdown}. */
export interface ShutdownOptions {
  /** The GOODBYE reason; defaults to `wamp.close.system_shutdown`. */
  reason?: string;
  /** How long to wait for the clients' GOODBYE replies before closing their transports. Defaults to 5000 ms. */
  timeoutMs?: number;
}

const DEFAULT_SHUTDOWN_TIMEOUT_MS = 5000;

/**
 * The routing core: realms, their brokers and dealers, and the sessions of every connected
 * peer. Sans-IO: a transport hands it a {@link Peer} and feeds the returned
 * {@link PeerConnection} with decoded messages; the router never touches sockets or bytes.
 *
 * @example
 * const router = new Router({ realms: [{ name: 'realm1' }] });
 * const connection = router.connect(peer); // peer: your transport's Peer
 * connection.receive({ type: 'HELLO', realm: 'realm1', details: { roles: { caller: {} } } });
 * // peer.send got WELCOME
 */
export class Router {
  readonly #realms = new Map<string, Realm>();
  /** Every session from `connect` until it closes, established or not. */
  readonly #connections = new Set<RouterSession>();
  readonly #sessionsById = new Map<Id, RouterSession>();
  readonly #clock: Clock;
  readonly #placement: RouterPlacement | undefined;
  readonly #logger: Logger;
  readonly #random: (() => number) | undefined;
  readonly #autoCreateRealms: boolean;
  readonly #realmStore: RouterOptions['realmStore'];
  readonly #host: SessionHost;
  readonly #auth: RouterAuth;
  readonly #cluster: ClusterBackend | undefined;
  /** What the router counted since it started (messages, calls, fan-out, refusals): for metrics. */
  readonly stats: RouterStats;
  #shutdown: Promise<void> | undefined;

  constructor(options: RouterOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#placement = options.placement;
    this.#logger = options.logger ?? silentLogger;
    this.#random = options.random;
    this.#autoCreateRealms = options.autoCreateRealms === true;
    this.#realmStore = options.realmStore;
    this.#cluster = options.cluster;
    this.stats = new RouterStats(this.#logger);
    this.#auth = new RouterAuth(options.auth ?? {}, {
      clock: this.#clock,
      logger: this.#logger,
      stats: this.stats,
      connect: (peer, connectOptions) => this.connect(peer, connectOptions),
    });
    this.#host = this.#makeHost();
    for (const realm of options.realms ?? []) this.addRealm(realm);
  }

  /** Number of established sessions (welcomed and not yet closed), across all realms. */
  get sessionCount(): number {
    return this.#sessionsById.size;
  }

  /** Whether {@link shutdown} has been called. */
  get shuttingDown(): boolean {
    return this.#shutdown !== undefined;
  }

  /**
   * Adds a realm.
   * @throws InvalidArgumentError when a realm of that name exists, the name is not a valid URI,
   *   or a role is malformed.
   */
  addRealm(config: RealmConfig): Realm {
    if (this.#realms.has(config.name)) throw new InvalidArgumentError(`realm '${config.name}' already exists`);
    const realm = new Realm(config, {
      logger: this.#logger,
      clock: this.#clock,
      ...(this.#random === undefined ? {} : { random: this.#random }),
      store: this.#realmStore?.(config),
      ...(this.#cluster === undefined ? {} : { cluster: this.#cluster }),
      stats: this.stats,
    });
    this.#realms.set(realm.name, realm);
    return realm;
  }

  /** The realm of this name, if it exists. */
  realm(name: string): Realm | undefined {
    return this.#realms.get(name);
  }

  /** Every realm, in the order they were added. */
  realms(): IterableIterator<Realm> {
    return this.#realms.values();
  }

  /**
   * Attaches a new transport connection. The returned handle takes what the peer sends; the
   * session answers through `peer.send` and ends with `peer.close`.
   *
   * @param options the identity the transport assigns when the client does not authenticate
   *   (default: authrole `anonymous`, a random authid, authmethod `anonymous`); or, with
   *   `transportAuth`, the methods clients of this transport authenticate with (Crossbar's
   *   transport `auth` block), and with `transportCredentials` what the transport itself knows
   *   (TLS channel IDs, client certificate, cookie).
   * @example
   * router.connect(peer, { transportAuth: { ticket: { type: 'static', principals: { joe: { ticket: 's3cret', role: 'user' } } } } });
   */
  connect(peer: Peer, options: ConnectOptions = {}): PeerConnection {
    const session = new RouterSession(this.#host, peer, options);
    this.#connections.add(session);
    return session;
  }

  /**
   * Closes every session: established ones get GOODBYE (`wamp.close.system_shutdown` by
   * default) and their transports close when they reply or when `timeoutMs` passes; sessions
   * still opening get ABORT. New sessions are refused from now on. Calling it again returns
   * the same promise.
   */
  shutdown(options: ShutdownOptions = {}): Promise<void> {
    this.#shutdown ??= this.#runShutdown(options);
    return this.#shutdown;
  }

  async #runShutdown(options: ShutdownOptions): Promise<void> {
    const reason = options.reason ?? ErrorUri.SYSTEM_SHUTDOWN;
    const timeoutMs = options.timeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
    const sessions = [...this.#connections];
    this.#logger.info({ sessions: sessions.length, reason }, 'router shutting down');
    for (const session of sessions) session.goodbye(reason, 'The router is shutting down.');

    const allClosed = Promise.all(sessions.map((session) => session.closed));
    let timer: ReturnType<Clock['setTimeout']> | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = this.#clock.setTimeout(resolve, timeoutMs);
    });
    await Promise.race([allClosed, timedOut]);
    if (timer !== undefined) this.#clock.clearTimeout(timer);
    for (const session of sessions) session.close();
    this.#logger.info({}, 'router shut down');
  }

  /** The router as its sessions see it; not part of the public API. */
  #makeHost(): SessionHost {
    const router = this;
    return {
      get logger() {
        return router.#logger;
      },
      get shuttingDown() {
        return router.#shutdown !== undefined;
      },
      get auth() {
        return router.#auth;
      },
      clock: router.#clock,
      placement: router.#placement,
      get stats() {
        return router.stats;
      },
      resolveRealm: (name) => router.#resolveRealm(name),
      allocateSessionId: () => {
        let id = randomId();
        while (router.#sessionsById.has(id)) id = randomId();
        return id;
      },
      sessionEstablished: (session) => {
        router.#sessionsById.set(session.id, session);
      },
      sessionClosed: (session) => {
        router.#connections.delete(session);
        if (router.#sessionsById.get(session.id) === session) router.#sessionsById.delete(session.id);
      },
    };
  }

  #resolveRealm(name: string): Realm | undefined {
    const realm = this.#realms.get(name);
    if (realm !== undefined || !this.#autoCreateRealms) return realm;
    this.#logger.info({ realm: name }, 'realm created on demand');
    return this.addRealm({ name });
  }
}
