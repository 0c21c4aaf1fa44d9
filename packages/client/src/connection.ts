import {
  type Clock,
  type Dict,
  ErrorUri,
  InvalidArgumentError,
  systemClock,
  type TimerHandle,
} from '@interchange/protocol';
import type { AuthOptions } from './auth-options.js';
import { type Logger, silentLogger } from './logger.js';
import type { RawSocketTlsOptions } from './rawsocket-target.js';
import { type RetryOptions, RetrySchedule } from './retry-schedule.js';
import { Session } from './session.js';
import { type RestoreReport, SessionRestorer } from './session-restore.js';
import type { ChallengeResponse, SessionCloseInfo } from './session-types.js';
import type { ClientTransport, TransportFactory } from './transport.js';
import { type TransportConfig, transportFactoryOf, transportTypeOfUrl } from './transport-list.js';
import type { FetchLike } from './transport-longpoll.js';
import type { WebSocketConstructor } from './transport-websocket.js';

/** Why `onclose` fires, with Autobahn|JS's meanings. */
export type ConnectionCloseReason =
  /** The connection closed cleanly (or the application closed it). */
  | 'closed'
  /** An established connection was lost (closed uncleanly), or a reconnect attempt failed. */
  | 'lost'
  /** No connection could be made, and none ever had been. */
  | 'unreachable'
  /** No configured transport is supported. */
  | 'unsupported';

/** The second argument of `onclose`, with Autobahn|JS's fields. */
export interface ConnectionCloseDetails {
  /** The WAMP reason URI of the GOODBYE or ABORT that ended the session; `null` without one. */
  reason: string | null;
  /** The message of that GOODBYE or ABORT (`''` when it had none), or of the connect failure. */
  message: string | null;
  /** Seconds until the next attempt, when one is planned. */
  retry_delay: number | null;
  /** Which retry the next attempt is (1, 2, ...), when one is planned. */
  retry_count: number | null;
  /** Whether a new attempt will be made (unless `onclose` returns `true`). */
  will_retry: boolean;
}

/** Transport info as Autobahn reports it in `connection.transport.info` and `onopen` details. */
export interface ConnectionTransportInfo {
  type: string;
  url: string | null;
  protocol: string | null;
}

/** Answers a CHALLENGE, Autobahn style: `(session, method, extra)`; `[signature, extra]` is accepted too. */
export type ConnectionChallengeHandler<S> = (
  session: S,
  method: string,
  extra: Dict,
) => ChallengeResponse | [string, Dict] | Promise<ChallengeResponse | [string, Dict]>;

/**
 * Options of {@link Connection}: Autobahn|JS's option names (snake_case as Autobahn spells
 * them, so existing code runs unchanged), plus our own in camelCase.
 */
export interface ConnectionOptions<S = Session> extends RetryOptions {
  /**
   * Router URL, when `transports` is not given; its scheme picks the transport: `ws://`/`wss://`
   * WebSocket, `rs://`/`rss://`/`tcp://`/`unix://` RawSocket (Node), `http://`/`https://`
   * long-poll. In `transports`, the default `url` of entries that have none.
   */
  url?: string;
  /**
   * Transports, Autobahn style, e.g. a WebSocket with long-poll as the fallback:
   * `[{ type: 'websocket', url: 'wss://h/ws' }, { type: 'longpoll', url: 'https://h/lp' }]`.
   * Each attempt tries them in order and uses the first that opens; see {@link TransportConfig}.
   */
  transports?: readonly TransportConfig[];
  /** Serializers offered when a transport entry has none: names, `Serializer`s or Autobahn serializers. */
  serializers?: readonly unknown[];
  /** Subprotocols offered when a transport entry has none, e.g. `['wamp.2.json']`. */
  protocols?: readonly string[];
  realm: string;
  authmethods?: string[];
  authid?: string;
  authextra?: Dict;
  onchallenge?: ConnectionChallengeHandler<S>;
  /** Typed authentication instead of `authmethods` and `onchallenge`; see {@link AuthOptions}. */
  auth?: AuthOptions;
  /** Whether to retry when the router was never reached. Default true. */
  retry_if_unreachable?: boolean;
  /**
   * Whether to reconnect, on the same retry schedule as after a lost transport, when the router
   * ends the session with GOODBYE `wamp.close.system_shutdown` (a node stopping or restarting).
   * Default true for the typed `Connection`; false for `autobahn.Connection`, which keeps
   * Autobahn|JS's rule that any GOODBYE is final (an Interchange addition either way).
   */
  retry_on_system_shutdown?: boolean;
  /** Opens each transport instead of `url`/`transports` (e.g. an in-memory pair in tests). */
  transportFactory?: TransportFactory;
  /** WebSocket implementation for the `url`/`transports` WebSockets (default: global, else `ws`). */
  WebSocket?: WebSocketConstructor;
  /** `fetch` for long-poll transports (default: the global one). */
  fetch?: FetchLike;
  /** TLS options of `rss://` RawSocket transports that have none of their own. */
  tls?: RawSocketTlsOptions;
  /** Time source for retry delays and sessions; a fake clock in tests. */
  clock?: Clock;
  /** Uniform random numbers in [0, 1) for the retry jitter. Default `Math.random`. */
  random?: () => number;
  logger?: Logger;
  /** HELLO.Details.agent. */
  agent?: string;
}

/** Options of the typed {@link Connection}: {@link ConnectionOptions} and `resubscribe`. */
export interface TypedConnectionOptions extends ConnectionOptions<Session> {
  /**
   * Restore the subscriptions (those with a handler) and registrations made through the
   * connection's sessions on each new session after a reconnect, before `onopen`; `onrestore`
   * reports what could not be (session-restore.ts). Default false, as in Autobahn|JS.
   */
  resubscribe?: boolean;
}

/**
 * The shared machinery of the typed `Connection` and the Autobahn-compatible one; `wrap` turns
 * each new `Session` into what `onopen` and `onchallenge` receive.
 */
export abstract class ConnectionBase<S> {
  /** Called with each new session once it is joined (after every reconnect, with a new session). */
  onopen: ((session: S, details: Dict) => unknown) | null = null;
  /**
   * Called each time the connection closes or an attempt fails. Returning `true` stops further
   * reconnection attempts.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: Autobahn's onclose may return nothing at all
  onclose: ((reason: ConnectionCloseReason, details: ConnectionCloseDetails) => boolean | undefined | void) | null =
    null;

  readonly #options: ConnectionOptions<S>;
  readonly #factory: TransportFactory | undefined;
  readonly #unsupported: string | null;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #schedule: RetrySchedule;
  readonly #retryIfUnreachable: boolean;
  readonly #retryOnShutdown: boolean;
  #active = false; // between open() and the final close
  #retry = false; // whether a loss leads to a retry; false after close() or a WAMP-level close
  #connectSuccesses = 0;
  #attempt: AbortController | undefined;
  #retryTimer: TimerHandle | undefined;
  #session: Session | undefined;
  #wrapped: S | undefined;
  #transportInfo: ConnectionTransportInfo | undefined;
  #closeWaiters: Array<() => void> = [];

  constructor(options: ConnectionOptions<S>) {
    if (typeof options !== 'object' || options === null)
      throw new InvalidArgumentError('Connection: options must be an object');
    if (typeof options.realm !== 'string') throw new InvalidArgumentError('Connection: realm must be a string');
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger;
    this.#schedule = new RetrySchedule(options, options.random);
    this.#retryIfUnreachable = options.retry_if_unreachable ?? true;
    this.#retryOnShutdown = options.retry_on_system_shutdown ?? this.retriesOnSystemShutdown();
    const choice =
      options.transportFactory === undefined
        ? this.#transportChoice()
        : { factory: options.transportFactory, skipped: [] };
    this.#factory = choice.factory;
    this.#unsupported =
      choice.skipped.length === 0 ? null : choice.skipped.map((s) => `${s.type}: ${s.reason}`).join('; ');
  }

  /** Turns a new session into what the application receives. */
  protected abstract wrap(session: Session): S;

  /**
   * Runs after each join and before `onopen`: the typed `Connection` restores subscriptions and
   * registrations here (`resubscribe`). `undefined` when there is nothing to wait for.
   */
  protected restore(_session: Session): Promise<void> | undefined {
    return undefined;
  }

  /** The default of `retry_on_system_shutdown`. */
  protected retriesOnSystemShutdown(): boolean {
    return true;
  }

  /** The current session, wrapped; `null` when there is none. */
  get session(): S | null {
    return this.#session === undefined ? null : (this.#wrapped ?? null);
  }

  /** Whether a session is established. */
  get isOpen(): boolean {
    return this.#session?.isOpen === true;
  }

  /** Whether a transport is connected. */
  get isConnected(): boolean {
    return this.#session !== undefined;
  }

  /** Whether a reconnect attempt is scheduled. */
  get isRetrying(): boolean {
    return this.#retryTimer !== undefined;
  }

  /** Autobahn's `connection.transport`: `{ info: { type, url, protocol } }`, type `none` when unconnected. */
  get transport(): { info: ConnectionTransportInfo } {
    return { info: this.#transportInfo ?? { type: 'none', url: null, protocol: null } };
  }

  /**
   * Starts connecting (and reconnecting, after losses) until `close()`.
   *
   * @throws InvalidArgumentError when the connection is already open or opening.
   */
  open(): void {
    if (this.#active) throw new InvalidArgumentError('connection already open (or opening)');
    this.#active = true;
    this.#retry = true;
    this.#schedule.reset();
    if (this.#factory === undefined) {
      this.#active = false;
      this.#retry = false;
      this.#fireClose('unsupported', {
        reason: null,
        message: this.#unsupported,
        retry_delay: null,
        retry_count: null,
        will_retry: false,
      });
      this.#settleClosed();
      return;
    }
    this.#connect(this.#factory);
  }

  /**
   * Closes for good: leaves the session (GOODBYE with `reason`, default `wamp.close.normal`),
   * or stops a connect attempt or a scheduled retry. Resolves once closed; at once when not open.
   */
  close(reason?: string, message?: string): Promise<void> {
    if (!this.#active) return Promise.resolve();
    this.#retry = false;
    const closed = new Promise<void>((resolve) => this.#closeWaiters.push(resolve));
    if (this.#retryTimer !== undefined) {
      // Waiting to retry: the loss was reported already; cancel the retry quietly.
      this.#clock.clearTimeout(this.#retryTimer);
      this.#retryTimer = undefined;
      this.#active = false;
      this.#settleClosed();
    } else if (this.#session !== undefined) {
      this.#session.leave(reason, message === undefined ? {} : { message }).catch((error: unknown) => {
        this.#logger.debug({ err: error }, 'leave failed; closing the transport');
        this.#session?.transport.close();
      });
    } else {
      this.#attempt?.abort();
    }
    return closed;
  }

  #connect(factory: TransportFactory): void {
    const attempt = new AbortController();
    this.#attempt = attempt;
    let opening: Promise<ClientTransport>;
    try {
      opening = factory(attempt.signal);
    } catch (error) {
      opening = Promise.reject(error);
    }
    opening.then(
      (transport) => {
        if (attempt.signal.aborted) {
          transport.close();
          this.#onAttemptFailed(attempt, undefined);
          return;
        }
        this.#onTransportOpen(transport);
      },
      (error: unknown) => this.#onAttemptFailed(attempt, error),
    );
  }

  #onTransportOpen(transport: ClientTransport): void {
    this.#attempt = undefined;
    this.#connectSuccesses += 1;
    this.#schedule.reset();
    this.#transportInfo = transportInfoOf(transport);
    const options = this.#options;
    const onchallenge = options.onchallenge;
    const session = new Session(transport, {
      realm: options.realm,
      ...(options.authid === undefined ? {} : { authid: options.authid }),
      ...(options.authmethods === undefined ? {} : { authmethods: options.authmethods }),
      ...(options.authextra === undefined ? {} : { authextra: options.authextra }),
      ...(options.auth === undefined ? {} : { auth: options.auth }),
      ...(options.agent === undefined ? {} : { agent: options.agent }),
      ...(onchallenge === undefined
        ? {}
        : {
            onChallenge: async (challenge) =>
              (await onchallenge(this.#wrapped as S, challenge.authMethod, challenge.extra)) as ChallengeResponse,
          }),
      clock: this.#clock,
      logger: this.#logger,
    });
    this.#session = session;
    this.#wrapped = this.wrap(session);
    const wrapped = this.#wrapped;
    session.closed.then((info) => this.#onSessionClosed(session, info));
    session.join().then(
      (welcome) => {
        if (this.#session !== session) return;
        const details = { ...welcome, transport: this.#transportInfo };
        const open = (): void => {
          if (this.#session !== session) return;
          try {
            const outcome = this.onopen?.(wrapped, details);
            if (outcome instanceof Promise) {
              outcome.catch((error: unknown) => this.#logger.error({ err: error }, 'onopen failed'));
            }
          } catch (error) {
            this.#logger.error({ err: error }, 'onopen threw');
          }
        };
        const restoring = this.restore(session);
        if (restoring === undefined) open();
        else restoring.then(open);
      },
      // A failed join ends the session; `closed` reports it.
      () => {},
    );
  }

  /**
   * A WAMP-level close (GOODBYE handshake or ABORT) stops reconnection, as in Autobahn|JS: the
   * router or the application meant it. A transport loss or a protocol violation retries, and so
   * does the router's GOODBYE `wamp.close.system_shutdown` unless `retry_on_system_shutdown` is
   * false: the node is going away, and usually coming back (docs/deployment.md, upgrading).
   */
  #onSessionClosed(session: Session, info: SessionCloseInfo): void {
    if (this.#session !== session) return;
    this.#session = undefined;
    this.#transportInfo = undefined;
    const wampClose = info.kind === 'goodbye' || info.kind === 'abort';
    const shutdown =
      this.#retryOnShutdown &&
      info.kind === 'goodbye' &&
      info.initiator === 'router' &&
      info.reason === ErrorUri.SYSTEM_SHUTDOWN;
    if (wampClose && !shutdown) this.#retry = false;
    this.#afterClose(info.transport.wasClean ? 'closed' : 'lost', {
      reason: wampClose ? info.reason : null,
      message: wampClose ? (info.message ?? '') : null,
    });
  }

  #onAttemptFailed(attempt: AbortController, error: unknown): void {
    if (this.#attempt !== attempt) return;
    this.#attempt = undefined;
    if (attempt.signal.aborted) {
      // The application closed while we were connecting.
      this.#afterClose('closed', { reason: null, message: null });
      return;
    }
    this.#logger.debug({ err: error }, 'connect attempt failed');
    const everConnected = this.#connectSuccesses > 0;
    if (!everConnected && !this.#retryIfUnreachable) this.#retry = false;
    this.#afterClose(everConnected ? 'lost' : 'unreachable', {
      reason: null,
      message: error instanceof Error ? error.message : null,
    });
  }

  #afterClose(reason: ConnectionCloseReason, base: { reason: string | null; message: string | null }): void {
    const planned = this.#retry ? this.#schedule.next() : undefined;
    const stop = this.#fireClose(reason, {
      ...base,
      retry_delay: planned?.delay ?? null,
      retry_count: planned?.count ?? null,
      will_retry: planned !== undefined,
    });
    const factory = this.#factory;
    if (planned !== undefined && this.#retry && stop !== true && factory !== undefined) {
      this.#logger.info({ delay: planned.delay, count: planned.count }, 'reconnecting');
      this.#retryTimer = this.#clock.setTimeout(() => {
        this.#retryTimer = undefined;
        this.#connect(factory);
      }, planned.delay * 1000);
      return;
    }
    this.#retry = false;
    this.#active = false;
    this.#settleClosed();
  }

  // biome-ignore lint/suspicious/noConfusingVoidType: Autobahn's onclose may return nothing at all
  #fireClose(reason: ConnectionCloseReason, details: ConnectionCloseDetails): boolean | undefined | void {
    try {
      return this.onclose?.(reason, details);
    } catch (error) {
      this.#logger.error({ err: error }, 'onclose threw');
      return undefined;
    }
  }

  #settleClosed(): void {
    const waiters = this.#closeWaiters;
    this.#closeWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** The factory of `transports` (or of `url` alone), with the entries skipped in this runtime. */
  #transportChoice(): { factory: TransportFactory | undefined; skipped: Array<{ type: string; reason: string }> } {
    const options = this.#options;
    if (options.transports === undefined && options.url === undefined) {
      throw new InvalidArgumentError('Connection: give url, transports or transportFactory');
    }
    const entries: readonly TransportConfig[] = options.transports ?? [
      { type: transportTypeOfUrl(options.url as string) ?? 'websocket', url: options.url as string },
    ];
    return transportFactoryOf(
      entries,
      {
        url: options.url,
        serializers: options.serializers,
        protocols: options.protocols,
        tls: options.tls,
        WebSocket: options.WebSocket,
        fetch: options.fetch,
      },
      this.#logger,
    );
  }
}

/**
 * A WAMP connection with Autobahn|JS's options and semantics: it opens a transport, joins the
 * realm, calls `onopen` with the new session, and after a loss reconnects with growing delays
 * (`initial_retry_delay` · `retry_delay_growth`ⁿ, jittered, capped at `max_retry_delay`, at
 * most `max_retries` times).
 *
 * Reconnection and application state: as in Autobahn|JS, subscriptions and registrations are
 * by default NOT restored after a reconnect. Each reconnect creates a new `Session` and calls
 * `onopen` again with it; the application subscribes and registers there, so `onopen` is the one
 * place that sets a session up. The old session's subscriptions have ended and its pending calls
 * have rejected with `SessionClosedError`. With `resubscribe: true` the connection restores them
 * itself, with their handlers, before `onopen`, and `onrestore` tells what it could not restore.
 *
 * A GOODBYE (from either side) or an ABORT stops reconnection, as in Autobahn|JS, except the
 * router's GOODBYE `wamp.close.system_shutdown` (a node stopping or restarting), after which the
 * typed `Connection` reconnects unless `retry_on_system_shutdown: false`; a transport loss does
 * not stop it. `onclose` returning `true` stops it too.
 *
 * Transports: `url` alone picks one by its scheme (`ws(s)://`, `rs(s)://`/`tcp://`/`unix://`
 * RawSocket in Node, `http(s)://` long-poll). A `transports` list is tried in order on every
 * attempt, and the first entry that opens is used; an attempt fails only when all of them fail,
 * and the next attempt starts again at the top. Autobahn|JS moves on only when a transport
 * cannot even be created (e.g. RawSocket in a browser); we also move on when one cannot connect,
 * so a long-poll entry is a real fallback where WebSockets are blocked. Entries this runtime
 * cannot use are skipped; with none left, `onclose` reports `unsupported`.
 *
 * @example
 * const connection = new Connection({
 *   realm: 'realm1',
 *   transports: [
 *     { type: 'websocket', url: 'wss://example.com/ws' },
 *     { type: 'longpoll', url: 'https://example.com/lp' },
 *   ],
 * });
 * connection.onopen = (session, details) => console.log('over', details.transport);
 * connection.open();
 * @example
 * const connection = new Connection({ url: 'ws://127.0.0.1:8080/ws', realm: 'realm1' });
 * connection.onopen = async (session) => {
 *   await session.subscribe('com.example.on_vote', (event) => render(event.args[0]));
 * };
 * connection.onclose = (reason, details) => { console.log(reason, details.will_retry); };
 * connection.open();
 * @example
 * const connection = new Connection({ url: 'wss://example.com/ws', realm: 'realm1', resubscribe: true });
 * connection.onrestore = ({ failed }) => failed.forEach((f) => console.warn('lost', f.uri, f.error));
 * let subscribed = false; // restored after a reconnect: subscribe once, on the first session
 * connection.onopen = async (session) => {
 *   if (!subscribed) await session.subscribe('com.example.on_vote', render);
 *   subscribed = true;
 * };
 * connection.open();
 */
export class Connection extends ConnectionBase<Session> {
  /**
   * With `resubscribe`: called after each reconnect that restored subscriptions and
   * registrations, before `onopen`, with the new objects and those that could not be restored
   * (e.g. `wamp.error.procedure_already_exists` when another session registered the procedure
   * meanwhile). What failed is not tried again.
   */
  onrestore: ((report: RestoreReport) => void) | null = null;

  readonly #restorer: SessionRestorer | undefined;
  readonly #log: Logger;

  constructor(options: TypedConnectionOptions) {
    super(options);
    this.#log = options.logger ?? silentLogger;
    if (options.resubscribe !== undefined && typeof options.resubscribe !== 'boolean') {
      throw new InvalidArgumentError('Connection: resubscribe must be a boolean');
    }
    if (options.resubscribe === true) this.#restorer = new SessionRestorer();
  }

  protected wrap(session: Session): Session {
    this.#restorer?.track(session);
    return session;
  }

  protected override restore(session: Session): Promise<void> | undefined {
    const restorer = this.#restorer;
    if (restorer === undefined || restorer.isEmpty) return undefined;
    return restorer.restore(session).then((report) => {
      try {
        this.onrestore?.(report);
      } catch (error) {
        this.#log.error({ err: error }, 'onrestore threw');
      }
    });
  }
}

function transportInfoOf(transport: ClientTransport): ConnectionTransportInfo {
  const { url, protocol } = transport as { url?: unknown; protocol?: unknown };
  return {
    type: transport.type,
    url: typeof url === 'string' ? url : null,
    protocol: typeof protocol === 'string' ? protocol : null,
  };
}
