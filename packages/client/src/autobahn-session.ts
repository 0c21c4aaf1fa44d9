import { type Dict, InvalidArgumentError, SessionClosedError } from '@interchange/protocol';
import { type Deferred, deferred } from './deferred.js';
import type { EndedInfo } from './ended-info.js';
import type { Event as TypedEvent } from './event.js';
import type { Invocation as TypedInvocation } from './invocation.js';
import { isPlainDict } from './payload.js';
import type { Registration as TypedRegistration } from './registration.js';
import { type CallResult, Result } from './result.js';
import type { Session } from './session.js';
import type { Subscription as TypedSubscription } from './subscription.js';
import { WampApplicationError } from './wamp-application-error.js';

/** Autobahn's event handler: `(args, kwargs, details, subscription)`. */
export type AutobahnEventHandler = (
  args: unknown[],
  kwargs: Record<string, unknown>,
  details: AutobahnEventDetails,
  subscription: AutobahnSubscription,
) => unknown;

/** Autobahn's endpoint: `(args, kwargs, details)`; returns a value, a `Result`, or a promise of one. */
export type AutobahnEndpoint = (
  args: unknown[],
  kwargs: Record<string, unknown>,
  details: AutobahnInvocationDetails,
) => unknown;

/** `details` of an Autobahn event handler (`autobahn.Event`). */
export class AutobahnEventDetails {
  readonly publication: number;
  readonly topic: string;
  readonly publisher: number | undefined;
  readonly publisher_authid: string | undefined;
  readonly publisher_authrole: string | undefined;
  readonly retained: boolean;
  readonly forward_for: unknown;

  constructor(event: TypedEvent) {
    const d = event.details;
    this.publication = event.publication;
    this.topic = event.topic;
    this.publisher = event.publisher;
    this.publisher_authid = stringOrUndefined(d['publisher_authid']);
    this.publisher_authrole = stringOrUndefined(d['publisher_authrole']);
    this.retained = d['retained'] === true;
    this.forward_for = d['forward_for'];
  }
}

/** `details` of an Autobahn endpoint (`autobahn.Invocation`). */
export class AutobahnInvocationDetails {
  readonly procedure: string;
  /** Sends a progressive result when the caller asked for them; `null` otherwise. */
  readonly progress: ((args?: unknown[], kwargs?: Record<string, unknown>) => void) | null;
  readonly caller: number | undefined;
  readonly caller_authid: string | undefined;
  readonly caller_authrole: string | undefined;

  constructor(invocation: TypedInvocation) {
    const d = invocation.details;
    this.procedure = invocation.procedure;
    this.progress = invocation.receiveProgress
      ? (args, kwargs) => invocation.progress(new Result(args ?? [], kwargs ?? {}))
      : null;
    this.caller = invocation.caller;
    this.caller_authid = stringOrUndefined(d['caller_authid']);
    this.caller_authrole = stringOrUndefined(d['caller_authrole']);
  }
}

/** `autobahn.Subscription`: one handler on a topic. */
export class AutobahnSubscription {
  readonly topic: string;
  readonly handler: AutobahnEventHandler;
  readonly options: Dict;
  readonly session: AutobahnSession;
  /** The broker's subscription ID; set once subscribed. */
  id: number | undefined;
  #typed: TypedSubscription | undefined;
  readonly #onUnsubscribe: Deferred<string | undefined> = deferred();

  /** @internal */
  constructor(topic: string, handler: AutobahnEventHandler, options: Dict, session: AutobahnSession) {
    this.topic = topic;
    this.handler = handler;
    this.options = options;
    this.session = session;
  }

  get active(): boolean {
    return this.#typed?.active === true;
  }

  /**
   * Autobahn's `on_unsubscribe`: resolves when the subscription ends, with the router's reason
   * when it revoked it (spec: advanced "Subscription Revocation"), `undefined` otherwise.
   */
  get on_unsubscribe(): Promise<string | undefined> {
    return this.#onUnsubscribe.promise;
  }

  unsubscribe(): Promise<boolean> {
    return this.session.unsubscribe(this);
  }

  /** @internal */
  bind(typed: TypedSubscription): void {
    this.#typed = typed;
    this.id = typed.id;
    void typed.ended.then((info) => this.#onUnsubscribe.resolve(revocationReasonOf(info)));
  }

  /** @internal */
  get typed(): TypedSubscription | undefined {
    return this.#typed;
  }
}

/** `autobahn.Registration`: one endpoint for a procedure. */
export class AutobahnRegistration {
  readonly procedure: string;
  readonly endpoint: AutobahnEndpoint;
  readonly options: Dict;
  readonly session: AutobahnSession;
  readonly id: number;
  readonly #typed: TypedRegistration;
  readonly #onUnregister: Promise<string | undefined>;

  /** @internal */
  constructor(typed: TypedRegistration, endpoint: AutobahnEndpoint, options: Dict, session: AutobahnSession) {
    this.#typed = typed;
    this.procedure = typed.procedure;
    this.endpoint = endpoint;
    this.options = options;
    this.session = session;
    this.id = typed.id;
    this.#onUnregister = typed.ended.then(revocationReasonOf);
  }

  get active(): boolean {
    return this.#typed.active;
  }

  /**
   * Autobahn's `on_unregister`: resolves when the registration ends, with the router's reason
   * when it revoked it (spec: advanced "Registration Revocation"), `undefined` otherwise.
   */
  get on_unregister(): Promise<string | undefined> {
    return this.#onUnregister;
  }

  unregister(): Promise<void> {
    return this.session.unregister(this);
  }

  /** @internal */
  get typed(): TypedRegistration {
    return this.#typed;
  }
}

/** Keys of Autobahn's option objects that map onto typed options; the rest go on the wire as they are. */
const CALL_LOCAL_KEYS = new Set(['disclose_me', 'receive_progress']);
const REGISTER_KEYS = new Set(['match', 'invoke', 'disclose_caller']);
const SUBSCRIBE_KEYS = new Set(['match', 'get_retained']);

/** A progress handler: gets each progressive result shaped like a final one (a value, `null` or a `Result`). */
export type AutobahnProgressHandler = (result: unknown) => void;

/**
 * A `call()` promise with Autobahn's `cancel()`, and, as Autobahn's when.js promises have,
 * progress notifications for `receive_progress` calls: `then(onResult, onError, onProgress)`
 * or `progress(onProgress)` (on this promise; not on promises chained from it).
 */
export type AutobahnCallPromise = Promise<unknown> & {
  cancel(options?: { mode?: 'skip' | 'kill' | 'killnowait' }): void;
  progress(onProgress: AutobahnProgressHandler): AutobahnCallPromise;
  then<A = unknown, B = never>(
    onResult?: ((value: unknown) => A | PromiseLike<A>) | null,
    onError?: ((reason: unknown) => B | PromiseLike<B>) | null,
    onProgress?: AutobahnProgressHandler | null,
  ): Promise<A | B>;
};

/**
 * The session object Autobahn|JS code receives in `connection.onopen`: Autobahn's method
 * signatures and result shapes over a typed `Session`.
 *
 * - `call(procedure, args?, kwargs?, options?)` resolves to the single positional result when
 *   the answer is exactly one positional value without kwargs, to `null` when it is empty, and
 *   to a `Result { args, kwargs }` otherwise; an ERROR rejects with `autobahn.Error`.
 * - `register(procedure, endpoint(args, kwargs, details), options?)`: a returned `Result` gives
 *   args/kwargs; a thrown `autobahn.Error` answers ERROR with its URI; any other error answers
 *   `wamp.error.runtime_error`.
 * - `subscribe(topic, handler(args, kwargs, details, subscription), options?)`.
 * - `publish(topic, args?, kwargs?, options?)` returns a promise only with `acknowledge: true`.
 */
export class AutobahnSession {
  /** Whether `call` sets `disclose_me` unless the options say otherwise. */
  caller_disclose_me = false;
  /** Whether `publish` sets `disclose_me` unless the options say otherwise. */
  publisher_disclose_me = false;
  readonly #session: Session;
  readonly #prefixes = new Map<string, string>();
  readonly #subscriptions = new Set<AutobahnSubscription>();
  readonly #registrations = new Set<AutobahnRegistration>();

  constructor(session: Session) {
    this.#session = session;
  }

  /** The typed session underneath. */
  get typed(): Session {
    return this.#session;
  }

  /** The session ID; `null` when not joined. */
  get id(): number | null {
    return this.#session.id ?? null;
  }

  get realm(): string {
    return this.#session.realm;
  }

  get isOpen(): boolean {
    return this.#session.isOpen;
  }

  /** Active subscriptions made through this object. */
  get subscriptions(): AutobahnSubscription[] {
    return [...this.#subscriptions].filter((s) => s.active);
  }

  /** Active registrations made through this object. */
  get registrations(): AutobahnRegistration[] {
    return [...this.#registrations].filter((r) => r.active);
  }

  /** Defines (or, with a falsy `uri`, removes) a CURIE prefix: `prefix('api', 'com.example')` makes `api:add` mean `com.example.add`. */
  prefix(prefix: string, uri?: string | null): void {
    if (typeof prefix !== 'string') throw new InvalidArgumentError('prefix: prefix must be a string');
    if (uri) this.#prefixes.set(prefix, uri);
    else this.#prefixes.delete(prefix);
  }

  /** Expands a CURIE with a defined prefix; other strings are returned unchanged. */
  resolve(curie: string): string {
    if (typeof curie !== 'string') throw new InvalidArgumentError('resolve: curie must be a string');
    const colon = curie.indexOf(':');
    if (colon < 0) return curie;
    const base = this.#prefixes.get(curie.slice(0, colon));
    return base === undefined ? curie : `${base}.${curie.slice(colon + 1)}`;
  }

  call(
    procedure: string,
    args?: unknown[] | null,
    kwargs?: Record<string, unknown> | null,
    options?: Dict | null,
  ): AutobahnCallPromise {
    const opts = optionsObject('call', options);
    const extra = omit(opts, CALL_LOCAL_KEYS);
    const discloseMe = opts['disclose_me'] ?? (this.caller_disclose_me ? true : undefined);
    const controller = new AbortController();
    let cancelMode: 'skip' | 'kill' | 'killnowait' = 'killnowait';
    const callOptions = {
      ...(kwargs === undefined || kwargs === null ? {} : { kwargs }),
      ...(typeof discloseMe === 'boolean' ? { disclose_me: discloseMe } : {}),
      extra,
      signal: controller.signal,
      get cancelMode() {
        return cancelMode;
      },
    };
    const listeners: AutobahnProgressHandler[] = [];
    let outcome: Promise<CallResult>;
    if (opts['receive_progress'] === true) {
      // Spec: advanced "Progressive Call Results"; Autobahn hands each one to when.js `notify`.
      const call = this.#session.callProgressive(this.resolve(procedure), args ?? undefined, callOptions);
      // The promise settles after the loop has handed out every progressive result before it.
      const drained = (async () => {
        try {
          for await (const partial of call) {
            if (partial.details['progress'] !== true) continue;
            for (const listener of [...listeners]) {
              try {
                listener(autobahnResult(partial));
              } catch {
                // A failing progress handler must not stop the others, nor the call.
              }
            }
          }
        } catch {
          // The call's error reaches the caller through the promise.
        }
      })();
      outcome = drained.then(() => call.result);
    } else {
      outcome = this.#session.call(this.resolve(procedure), args ?? undefined, callOptions);
    }
    const pending = outcome.then(autobahnResult, (error: unknown) => {
      throw WampApplicationError.from(error);
    });
    const promise = pending as AutobahnCallPromise;
    const nativeThen = pending.then.bind(pending);
    return Object.assign(promise, {
      cancel(cancelOptions?: { mode?: 'skip' | 'kill' | 'killnowait' }): void {
        if (cancelOptions?.mode !== undefined) cancelMode = cancelOptions.mode;
        controller.abort();
      },
      progress(onProgress: AutobahnProgressHandler): AutobahnCallPromise {
        if (typeof onProgress === 'function') listeners.push(onProgress);
        return promise;
      },
      // biome-ignore lint/suspicious/noThenProperty: Autobahn's call promise is a thenable that also reports progress
      then(
        onResult?: ((value: unknown) => unknown) | null,
        onError?: ((reason: unknown) => unknown) | null,
        onProgress?: AutobahnProgressHandler | null,
      ) {
        if (typeof onProgress === 'function') listeners.push(onProgress);
        return nativeThen(onResult, onError);
      },
    }) as AutobahnCallPromise;
  }

  register(procedure: string, endpoint: AutobahnEndpoint, options?: Dict | null): Promise<AutobahnRegistration> {
    if (typeof endpoint !== 'function') throw new InvalidArgumentError('register: endpoint must be a function');
    const opts = optionsObject('register', options);
    const handler = (invocation: TypedInvocation): unknown =>
      endpoint(invocation.args, invocation.kwargs, new AutobahnInvocationDetails(invocation));
    return this.#session
      .register(this.resolve(procedure), handler, { ...pick(opts, REGISTER_KEYS), extra: omit(opts, REGISTER_KEYS) })
      .then(
        (typed) => {
          const registration = new AutobahnRegistration(typed, endpoint, opts, this);
          this.#registrations.add(registration);
          return registration;
        },
        (error: unknown) => {
          throw WampApplicationError.from(error);
        },
      );
  }

  subscribe(topic: string, handler: AutobahnEventHandler, options?: Dict | null): Promise<AutobahnSubscription> {
    if (typeof handler !== 'function') throw new InvalidArgumentError('subscribe: handler must be a function');
    const opts = optionsObject('subscribe', options);
    // Created before the SUBSCRIBE so the first event (which may arrive right behind SUBSCRIBED,
    // before this promise settles) already has its subscription object.
    const subscription = new AutobahnSubscription(topic, handler, opts, this);
    return this.#session
      .subscribe(
        this.resolve(topic),
        (event) => {
          const outcome = handler(event.args, event.kwargs, new AutobahnEventDetails(event), subscription);
          if (outcome instanceof Promise) return outcome.then(() => undefined);
          return undefined;
        },
        { ...pick(opts, SUBSCRIBE_KEYS), extra: omit(opts, SUBSCRIBE_KEYS) },
      )
      .then(
        (typed) => {
          subscription.bind(typed);
          this.#subscriptions.add(subscription);
          return subscription;
        },
        (error: unknown) => {
          throw WampApplicationError.from(error);
        },
      );
  }

  /**
   * Publishes; returns a promise of the `Publication` only with `options.acknowledge`, as
   * Autobahn does, otherwise `undefined`.
   *
   * @throws SessionClosedError when the session is not open (Autobahn throws too).
   */
  publish(
    topic: string,
    args?: unknown[] | null,
    kwargs?: Record<string, unknown> | null,
    options?: Dict | null,
  ): Promise<unknown> | undefined {
    const opts = optionsObject('publish', options);
    if (!this.#session.isOpen) throw new SessionClosedError(this.#session.state, 'session not open');
    const discloseMe = opts['disclose_me'] ?? (this.publisher_disclose_me ? true : undefined);
    const published = this.#session.publish(this.resolve(topic), args ?? undefined, {
      ...(kwargs === undefined || kwargs === null ? {} : { kwargs }),
      ...(opts['acknowledge'] === true ? { acknowledge: true } : {}),
      ...(typeof discloseMe === 'boolean' ? { disclose_me: discloseMe } : {}),
      extra: omit(opts, new Set(['acknowledge', 'disclose_me'])),
    });
    if (opts['acknowledge'] !== true) return undefined;
    return published.then(
      (publication) => publication,
      (error: unknown) => {
        throw WampApplicationError.from(error);
      },
    );
  }

  /** Ends a subscription; resolves `true` when the broker subscription ended, `false` when others still share it. */
  async unsubscribe(subscription: AutobahnSubscription): Promise<boolean> {
    if (!(subscription instanceof AutobahnSubscription)) {
      throw new InvalidArgumentError('unsubscribe: expects a Subscription from this session');
    }
    const typed = subscription.typed;
    this.#subscriptions.delete(subscription);
    if (typed === undefined || !typed.active) return false;
    const shared = [...this.#subscriptions].some((s) => s.id === subscription.id && s.active);
    try {
      await typed.unsubscribe();
    } catch (error) {
      throw WampApplicationError.from(error);
    }
    return !shared;
  }

  async unregister(registration: AutobahnRegistration): Promise<void> {
    if (!(registration instanceof AutobahnRegistration)) {
      throw new InvalidArgumentError('unregister: expects a Registration from this session');
    }
    this.#registrations.delete(registration);
    try {
      await registration.typed.unregister();
    } catch (error) {
      throw WampApplicationError.from(error);
    }
  }

  /** Leaves the realm (GOODBYE with `reason`, default `wamp.close.normal`). */
  leave(reason?: string | null, message?: string | null): Promise<void> {
    return this.#session
      .leave(reason ?? undefined, message === undefined || message === null ? {} : { message })
      .then(() => undefined);
  }
}

/** Autobahn's result shape: the single positional value, `null` when empty, a `Result` otherwise. */
function autobahnResult({ args, kwargs }: CallResult): unknown {
  if (args.length > 1 || Object.keys(kwargs).length > 0) return new Result(args, kwargs);
  return args.length === 1 ? args[0] : null;
}

/** What Autobahn resolves `on_unsubscribe`/`on_unregister` with: the revocation reason, if revoked. */
function revocationReasonOf(info: EndedInfo): string | undefined {
  return info.how === 'revoked' ? info.reason : undefined;
}

function optionsObject(what: string, options: unknown): Dict {
  if (options === undefined || options === null) return {};
  if (!isPlainDict(options)) throw new InvalidArgumentError(`${what}: options must be an object`);
  return options;
}

function pick(options: Dict, keys: ReadonlySet<string>): Dict {
  const out: Dict = {};
  for (const key of keys) if (options[key] !== undefined) out[key] = options[key];
  return out;
}

function omit(options: Dict, keys: ReadonlySet<string>): Dict {
  const out: Dict = {};
  for (const [key, value] of Object.entries(options)) if (!keys.has(key) && value !== undefined) out[key] = value;
  return out;
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
