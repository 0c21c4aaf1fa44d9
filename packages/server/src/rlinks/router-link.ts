/**
 * A router-to-router link (Crossbar's `rlinks` of a realm): two sessions, one joined to the local
 * realm in-process (authid: the link's id, authrole `trusted`, as Crossbar's local leg) and one
 * connected to the other router as a client, authenticated by WAMP-cryptosign with the node's
 * key (`authextra.pubkey`, so the other router may find the principal by key alone, or by the
 * link's `authid`). While both are up, the `forward_*` flags say which registrations and
 * subscriptions are mirrored in which direction (link-subscriptions.ts, link-registrations.ts).
 *
 * The connection to the other router is retried for ever with a growing delay: after a lost
 * connection, a refused one, an ABORT (bad credentials) or a GOODBYE. Each reconnect mirrors
 * everything afresh; what was mirrored on the local router for the lost session is ended first,
 * so nothing arrives twice.
 */
import { Connection, type Session } from '@interchange/client';
import { componentConnectOptions } from '../components/component-connect.js';
import { joinInProcess } from '../components/in-process-session.js';
import type { RlinkConfig } from '../config/rlink-schema.js';
import { TRUSTED_ROLE } from '../config/router-config.js';
import type { Logger } from '../logger.js';
import type { SessionAcceptor } from '../session-acceptor.js';
import { RLINK_AUTHMETHOD } from './link-hop.js';
import { LinkRegistrations } from './link-registrations.js';
import { LinkSubscriptions } from './link-subscriptions.js';

/** Reconnect delays in seconds; the defaults are those of Crossbar's link runner. */
export interface LinkRetry {
  initialDelay: number;
  maxDelay: number;
  growth: number;
}

const DEFAULT_RETRY: LinkRetry = { initialDelay: 1, maxDelay: 60, growth: 1.5 };

/** How long `stop` waits for the other router to answer GOODBYE (ms). */
const STOP_TIMEOUT_MS = 2000;

/** Options of {@link RouterLink}. */
export interface RouterLinkOptions {
  /** The link's id (config `id`, or `rlink<NNN>` by its place). */
  id: string;
  config: RlinkConfig;
  /** The local realm the link belongs to. */
  realm: string;
  router: SessionAcceptor;
  cbdir: string;
  /** The node's Ed25519 private key (64 hex digits), which signs the cryptosign challenge. */
  privateKey: string;
  logger: Logger;
  retry?: Partial<LinkRetry>;
}

/** What a link is doing, for logs and tests. */
export type LinkState = 'connecting' | 'up' | 'stopped';

interface Forwarder {
  start(): Promise<void>;
  close(): Promise<void>;
}

/** One running router link. */
export class RouterLink {
  readonly id: string;
  readonly #options: RouterLinkOptions;
  readonly #retry: LinkRetry;
  #local: Session | undefined;
  #remote: Session | undefined;
  #connection: Connection | undefined;
  #forwarders: Forwarder[] = [];
  /** Consecutive final closes (ABORT, GOODBYE), for the delay of the next fresh connection. */
  #failures = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  /** Serializes (re)starts of the forwarding, so two never interleave. */
  #forwarding: Promise<void> = Promise.resolve();
  #upWaiters: Array<() => void> = [];

  constructor(options: RouterLinkOptions) {
    this.id = options.id;
    this.#options = options;
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
  }

  /** `up` while both sessions are joined and forwarding runs. */
  get state(): LinkState {
    if (this.#stopped) return 'stopped';
    return this.#remote?.isOpen === true && this.#local?.isOpen === true && this.#forwarders.length > 0
      ? 'up'
      : 'connecting';
  }

  /** Resolves the next time the link is up (at once if it is). */
  whenUp(): Promise<void> {
    if (this.state === 'up') return Promise.resolve();
    return new Promise((resolve) => this.#upWaiters.push(resolve));
  }

  /**
   * Joins the local realm, then starts connecting to the other router (without waiting for it,
   * so a node whose peers are down still starts, as Crossbar's does).
   * @throws when the local realm refuses the link session.
   */
  async start(): Promise<void> {
    await this.#joinLocal();
    await this.#openRemote();
  }

  /** Leaves both routers; no reconnect afterwards. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#stopForwarding();
    // The other router gets GOODBYE; one that does not answer is not waited for long.
    const closing = this.#connection?.close().catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closing, new Promise((resolve) => (timer = setTimeout(resolve, STOP_TIMEOUT_MS)))]);
    clearTimeout(timer);
    if (this.#local?.isOpen) await this.#local.leave().catch(() => undefined);
  }

  async #joinLocal(): Promise<void> {
    const { router, realm, id, logger } = this.#options;
    const local = await joinInProcess({
      router,
      realm,
      authrole: TRUSTED_ROLE,
      authid: id,
      authmethod: RLINK_AUTHMETHOD,
      peer: `rlink:${id}`,
      logger,
    });
    this.#local = local;
    void local.closed.then(() => this.#onLocalClosed(local));
  }

  /** The local session was closed under the link (e.g. killed through the meta API): join again. */
  #onLocalClosed(local: Session): void {
    if (this.#stopped || this.#local !== local) return;
    this.#options.logger.warn({ rlink: this.id }, 'router link: local session closed; joining again');
    this.#forwarding = this.#forwarding.then(async () => {
      await this.#stopForwarding();
      await this.#rejoinLocal(0);
    });
  }

  async #rejoinLocal(attempt: number): Promise<void> {
    if (this.#stopped) return;
    try {
      await this.#joinLocal();
      if (this.#remote?.isOpen) await this.#startForwarding(this.#remote);
    } catch (error) {
      const delay = this.#delay(attempt);
      this.#options.logger.warn({ err: error, rlink: this.id, retry_in: delay }, 'router link: local join failed');
      await new Promise<void>((resolve) => {
        this.#timer = setTimeout(resolve, delay * 1000);
      });
      await this.#rejoinLocal(attempt + 1);
    }
  }

  async #openRemote(): Promise<void> {
    const { config, cbdir, privateKey, logger } = this.#options;
    const where = await componentConnectOptions({ transport: config.transport }, cbdir);
    const connection = new Connection({
      ...where,
      realm: config.realm,
      auth: { cryptosign: { privateKey, ...(config.authid === undefined ? {} : { authid: config.authid }) } },
      // Retries after a lost connection; a final close (ABORT, GOODBYE) is retried below.
      max_retries: -1,
      initial_retry_delay: this.#retry.initialDelay,
      max_retry_delay: this.#retry.maxDelay,
      retry_delay_growth: this.#retry.growth,
      retry_if_unreachable: true,
      retry_on_system_shutdown: true,
      logger,
    });
    this.#connection = connection;
    connection.onopen = (session) => {
      this.#failures = 0;
      this.#remote = session;
      const details = session.details ?? {};
      logger.info(
        {
          rlink: this.id,
          realm: config.realm,
          authid: details['authid'],
          authrole: details['authrole'],
          session: session.id,
        },
        'router link: connected to the other router',
      );
      this.#forwarding = this.#forwarding.then(() => this.#startForwarding(session));
    };
    connection.onclose = (reason, details) => {
      if (this.#remote !== undefined) {
        this.#remote = undefined;
        this.#forwarding = this.#forwarding.then(() => this.#stopForwarding());
      }
      if (this.#stopped) return true;
      const why = details.reason === null ? (details.message ?? reason) : `${details.reason} ${details.message ?? ''}`;
      if (details.will_retry) {
        logger.warn(
          { rlink: this.id, reason: why.trim(), retry_in: details.retry_delay },
          'router link: connection to the other router closed; retrying',
        );
        return false;
      }
      // ABORT (bad credentials, no such realm) or GOODBYE: Connection stops; the link does not.
      const delay = this.#delay(this.#failures++);
      logger.error(
        { rlink: this.id, reason: why.trim(), retry_in: delay },
        'router link: the other router refused or ended the session; retrying',
      );
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => {
        if (!this.#stopped && this.#connection === connection) connection.open();
      }, delay * 1000);
      return false;
    };
    connection.open();
  }

  #delay(attempt: number): number {
    const { initialDelay, maxDelay, growth } = this.#retry;
    return Math.min(maxDelay, initialDelay * growth ** attempt);
  }

  async #startForwarding(remote: Session): Promise<void> {
    const local = this.#local;
    if (this.#stopped || local === undefined || !local.isOpen || !remote.isOpen || this.#remote !== remote) return;
    await this.#stopForwarding();
    const { config, logger } = this.#options;
    const linkLogger = logger;
    const forwarders: Forwarder[] = [];
    // forward_local_*: what is subscribed or registered here is mirrored there.
    if (config.forward_local_events !== false)
      forwarders.push(new LinkSubscriptions({ watched: local, mirror: remote, logger: linkLogger }));
    if (config.forward_remote_events !== false)
      forwarders.push(
        new LinkSubscriptions({
          watched: remote,
          mirror: local,
          ...(config.exclude_authid === undefined ? {} : { excludeAuthid: config.exclude_authid }),
          logger: linkLogger,
        }),
      );
    if (config.forward_local_invocations !== false)
      forwarders.push(new LinkRegistrations({ watched: local, mirror: remote, logger: linkLogger }));
    if (config.forward_remote_invocations !== false)
      forwarders.push(new LinkRegistrations({ watched: remote, mirror: local, logger: linkLogger }));
    this.#forwarders = forwarders;
    try {
      await Promise.all(forwarders.map((forwarder) => forwarder.start()));
    } catch (error) {
      // Nothing is forwarded half: what did start is ended, and the link stays down until the
      // next connection (after the other router's config is fixed and the link reconnects).
      if (this.#forwarders === forwarders) await this.#stopForwarding();
      if (remote.isOpen && local.isOpen) {
        logger.error(
          { err: error, rlink: this.id },
          "router link: cannot watch the other router's subscriptions and registrations (its meta API); " +
            "the link's role there needs call and subscribe on wamp.subscription.* and wamp.registration.*",
        );
      }
      return;
    }
    if (this.#forwarders !== forwarders) return;
    logger.info(
      {
        rlink: this.id,
        forward_local_events: config.forward_local_events !== false,
        forward_remote_events: config.forward_remote_events !== false,
        forward_local_invocations: config.forward_local_invocations !== false,
        forward_remote_invocations: config.forward_remote_invocations !== false,
      },
      'router link: forwarding',
    );
    const waiters = this.#upWaiters;
    this.#upWaiters = [];
    for (const resolve of waiters) resolve();
  }

  async #stopForwarding(): Promise<void> {
    const forwarders = this.#forwarders;
    this.#forwarders = [];
    await Promise.all(forwarders.map((forwarder) => forwarder.close()));
  }
}
