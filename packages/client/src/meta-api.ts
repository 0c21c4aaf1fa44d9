import { type Dict, InvalidArgumentError } from '@interchange/protocol';
import type { CallOptions } from './caller.js';
import type { Event } from './event.js';
import { type MetaCall, RegistrationMeta, SessionMeta, SubscriptionMeta } from './meta-procedures.js';
import { decodeMetaEvent, META_TOPICS, type MetaEvents, type MetaTopic } from './meta-types.js';
import type { PublishOptions } from './publisher.js';
import type { CallResult } from './result.js';
import type { SubscribeOptions } from './subscriber.js';
import type { Subscription } from './subscription.js';

/** When a testament is published (spec: advanced "Session Testament", `scope`). */
export type TestamentScope = 'destroyed' | 'detached';

/** PUBLISH.Options a testament may carry: those that still make sense once its session is gone. */
export type TestamentPublishOptions = Pick<
  PublishOptions,
  | 'exclude'
  | 'exclude_authid'
  | 'exclude_authrole'
  | 'eligible'
  | 'eligible_authid'
  | 'eligible_authrole'
  | 'disclose_me'
  | 'retain'
>;

/** Options of {@link MetaApi.addTestament}. */
export interface TestamentOptions {
  /** Default `destroyed`: published when the session ends. */
  scope?: TestamentScope;
  /** PUBLISH.Options of the testament's publication. */
  publishOptions?: TestamentPublishOptions;
}

/** A handler of a decoded meta event; `event` is the raw EVENT it came in. */
export type MetaEventHandler<T extends MetaTopic> = (info: MetaEvents[T], event: Event) => void | Promise<void>;

/** What the facade needs from its session. @internal */
export interface MetaSession {
  call(procedure: string, args?: unknown[], options?: CallOptions): Promise<CallResult>;
  subscribe(
    topic: string,
    handler?: (event: Event) => void | Promise<void>,
    options?: SubscribeOptions,
  ): Promise<Subscription>;
}

/**
 * Typed helpers over the router's meta API (spec: advanced "Meta API"): thin wrappers that call
 * the `wamp.*` procedures and subscribe to the `wamp.*` meta events, with their arguments and
 * results typed. Whether a session may use them is the router's authorization business; a
 * router without a meta procedure answers `wamp.error.no_such_procedure`.
 *
 * @example
 * const count = await session.meta.sessions.count();
 * await session.meta.on('wamp.session.on_join', (info) => console.log('joined', info.session, info.authid));
 * const regId = await session.meta.registrations.match('com.example.add');
 * if (regId !== undefined) console.log(await session.meta.registrations.listCallees(regId));
 */
export class MetaApi {
  /** The session meta procedures: `count`, `list`, `get`, `kill`, `killByAuthid`, `killByAuthrole`, `killAll`. */
  readonly sessions: SessionMeta;
  /** The registration meta procedures: `list`, `lookup`, `match`, `get`, `listCallees`, `countCallees`, `removeCallee`. */
  readonly registrations: RegistrationMeta;
  /** The subscription meta procedures: `list`, `lookup`, `match`, `get`, `listSubscribers`, `countSubscribers`, `getEvents`, `removeSubscriber`. */
  readonly subscriptions: SubscriptionMeta;
  readonly #session: MetaSession;

  /** @internal Created by the session on first use of `session.meta`. */
  constructor(session: MetaSession) {
    this.#session = session;
    const call: MetaCall = (procedure, args, options) => session.call(procedure, args, options);
    this.sessions = new SessionMeta(call);
    this.registrations = new RegistrationMeta(call);
    this.subscriptions = new SubscriptionMeta(call);
  }

  /**
   * Subscribes to a meta event; the handler gets its arguments decoded (see {@link MetaEvents}).
   * An event whose arguments do not decode is logged by the subscription and skipped.
   *
   * @example
   * await session.meta.on('wamp.registration.on_register', ({ session, id }) => track(session, id));
   */
  on<T extends MetaTopic>(
    topic: T,
    handler: MetaEventHandler<T>,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    if (!META_TOPICS.includes(topic))
      throw new InvalidArgumentError(`meta.on: unknown meta event topic '${String(topic)}'`);
    if (typeof handler !== 'function') throw new InvalidArgumentError('meta.on: handler must be a function');
    return this.#session.subscribe(topic, (event) => handler(decodeMetaEvent(topic, event.args), event), options);
  }

  /**
   * `wamp.session.add_testament` (spec: advanced "Session Testament"): files an event the
   * router publishes for this session when it ends (`destroyed`, the default) or is detached
   * (`detached`; this router has no session resumption, so both happen when the session ends).
   * Resolves to the publication ID the event will carry (Interchange and Crossbar answer it).
   */
  async addTestament(
    topic: string,
    args: unknown[] = [],
    kwargs: Record<string, unknown> = {},
    options: TestamentOptions = {},
  ): Promise<number | undefined> {
    const callKwargs: Dict = {};
    if (options.scope !== undefined) callKwargs['scope'] = options.scope;
    if (options.publishOptions !== undefined) callKwargs['publish_options'] = { ...options.publishOptions };
    const result = await this.#session.call('wamp.session.add_testament', [topic, args, kwargs], {
      kwargs: callKwargs,
    });
    const publication = result.args[0];
    return typeof publication === 'number' ? publication : undefined;
  }

  /**
   * `wamp.session.flush_testaments`: removes this session's testaments of a scope (default
   * `destroyed`); resolves to how many were removed (Interchange and Crossbar answer it).
   */
  async flushTestaments(scope?: TestamentScope): Promise<number | undefined> {
    const kwargs: Dict = scope === undefined ? {} : { scope };
    const result = await this.#session.call('wamp.session.flush_testaments', [], { kwargs });
    const count = result.args[0];
    return typeof count === 'number' ? count : undefined;
  }
}
