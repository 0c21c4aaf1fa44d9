import { type Dict, InvalidArgumentError, ProtocolViolationError } from '@interchange/protocol';
import type { CallOptions } from './caller.js';
import {
  decodeHistoryEvent,
  type HistoryEvent,
  type HistoryQuery,
  type IdsByMatch,
  type RegistrationInfo,
  type SessionInfo,
  type SubscriptionInfo,
} from './meta-types.js';
import { isPlainDict } from './payload.js';
import type { CallResult } from './result.js';

/** What the meta facades need: a way to call a procedure. @internal */
export type MetaCall = (procedure: string, args?: unknown[], options?: CallOptions) => Promise<CallResult>;

/** The reason and message of a killed session's GOODBYE (spec: "wamp.session.kill", keyword arguments). */
export interface KillOptions {
  /** The GOODBYE reason URI; the router's default is `wamp.close.killed`. */
  reason?: string;
  /** The GOODBYE `details.message`. */
  message?: string;
}

/** The first positional result of a meta procedure. */
async function first(call: MetaCall, procedure: string, args: unknown[] = [], kwargs?: Dict): Promise<unknown> {
  const result = await call(procedure, args, kwargs === undefined ? {} : { kwargs });
  return result.args[0];
}

function expectNumber(procedure: string, value: unknown): number {
  if (typeof value !== 'number') throw unexpected(procedure, value);
  return value;
}

function expectIds(procedure: string, value: unknown): number[] {
  if (!Array.isArray(value) || !value.every((id) => typeof id === 'number')) throw unexpected(procedure, value);
  return value as number[];
}

function expectDict<T>(procedure: string, value: unknown): T {
  if (!isPlainDict(value)) throw unexpected(procedure, value);
  return value as T;
}

/** `null` (nothing found) reads as `undefined`. */
function optionalId(procedure: string, value: unknown): number | undefined {
  if (value === null || value === undefined) return undefined;
  return expectNumber(procedure, value);
}

function idsByMatch(procedure: string, value: unknown): IdsByMatch {
  const lists = expectDict<Dict>(procedure, value);
  return {
    exact: expectIds(procedure, lists['exact'] ?? []),
    prefix: expectIds(procedure, lists['prefix'] ?? []),
    wildcard: expectIds(procedure, lists['wildcard'] ?? []),
  };
}

function unexpected(procedure: string, value: unknown): ProtocolViolationError {
  let shown: string;
  try {
    shown = JSON.stringify(value) ?? String(value);
  } catch {
    shown = String(value);
  }
  return new ProtocolViolationError(`${procedure}: unexpected result ${shown}`, { field: 'args' });
}

function killKwargs(options: KillOptions): Dict {
  const kwargs: Dict = {};
  if (options.reason !== undefined) kwargs['reason'] = options.reason;
  if (options.message !== undefined) kwargs['message'] = options.message;
  return kwargs;
}

/**
 * The session meta procedures (spec: advanced "Session Meta API", "Procedures"). Errors are
 * the router's, as `ApplicationError` (`wamp.error.no_such_session`, `wamp.error.not_authorized`, ...).
 */
export class SessionMeta {
  readonly #call: MetaCall;

  /** @internal */
  constructor(call: MetaCall) {
    this.#call = call;
  }

  /** `wamp.session.count`: how many sessions are attached, those of the given authroles only if given. */
  async count(filterAuthroles?: string[]): Promise<number> {
    const args = filterAuthroles === undefined ? [] : [filterAuthroles];
    return expectNumber('wamp.session.count', await first(this.#call, 'wamp.session.count', args));
  }

  /** `wamp.session.list`: the IDs of the attached sessions, those of the given authroles only if given. */
  async list(filterAuthroles?: string[]): Promise<number[]> {
    const args = filterAuthroles === undefined ? [] : [filterAuthroles];
    return expectIds('wamp.session.list', await first(this.#call, 'wamp.session.list', args));
  }

  /** `wamp.session.get`: one session's details. */
  async get(sessionId: number): Promise<SessionInfo> {
    return expectDict<SessionInfo>('wamp.session.get', await first(this.#call, 'wamp.session.get', [sessionId]));
  }

  /** `wamp.session.kill`: closes another session (not the caller's own). */
  async kill(sessionId: number, options: KillOptions = {}): Promise<void> {
    await this.#call('wamp.session.kill', [sessionId], { kwargs: killKwargs(options) });
  }

  /** `wamp.session.kill_by_authid`: closes the other sessions of an authid; resolves to their IDs. */
  async killByAuthid(authid: string, options: KillOptions = {}): Promise<number[]> {
    const result = await first(this.#call, 'wamp.session.kill_by_authid', [authid], killKwargs(options));
    return expectIds('wamp.session.kill_by_authid', result);
  }

  /** `wamp.session.kill_by_authrole`: closes the other sessions of an authrole; resolves to how many. */
  async killByAuthrole(authrole: string, options: KillOptions = {}): Promise<number> {
    const result = await first(this.#call, 'wamp.session.kill_by_authrole', [authrole], killKwargs(options));
    return expectNumber('wamp.session.kill_by_authrole', result);
  }

  /** `wamp.session.kill_all`: closes every other session; resolves to how many. */
  async killAll(options: KillOptions = {}): Promise<number> {
    return expectNumber(
      'wamp.session.kill_all',
      await first(this.#call, 'wamp.session.kill_all', [], killKwargs(options)),
    );
  }
}

/** The registration meta procedures (spec: advanced "Registration Meta API", "Procedures"). */
export class RegistrationMeta {
  readonly #call: MetaCall;

  /** @internal */
  constructor(call: MetaCall) {
    this.#call = call;
  }

  /** `wamp.registration.list`: registration IDs by match policy (of one session only, on Interchange and Crossbar). */
  async list(sessionId?: number): Promise<IdsByMatch> {
    const args = sessionId === undefined ? [] : [sessionId];
    return idsByMatch('wamp.registration.list', await first(this.#call, 'wamp.registration.list', args));
  }

  /** `wamp.registration.lookup`: the registration of exactly this URI (or pattern) and match policy. */
  async lookup(
    procedure: string,
    options: { match?: 'exact' | 'prefix' | 'wildcard' } = {},
  ): Promise<number | undefined> {
    const args = options.match === undefined ? [procedure] : [procedure, { match: options.match }];
    return optionalId('wamp.registration.lookup', await first(this.#call, 'wamp.registration.lookup', args));
  }

  /** `wamp.registration.match`: the registration a call to `procedure` would go to. */
  async match(procedure: string): Promise<number | undefined> {
    return optionalId('wamp.registration.match', await first(this.#call, 'wamp.registration.match', [procedure]));
  }

  /** `wamp.registration.get`: a registration's details. */
  async get(registrationId: number): Promise<RegistrationInfo> {
    const result = await first(this.#call, 'wamp.registration.get', [registrationId]);
    return expectDict<RegistrationInfo>('wamp.registration.get', result);
  }

  /** `wamp.registration.list_callees`: the session IDs of a registration's callees. */
  async listCallees(registrationId: number): Promise<number[]> {
    const result = await first(this.#call, 'wamp.registration.list_callees', [registrationId]);
    return expectIds('wamp.registration.list_callees', result);
  }

  /** `wamp.registration.count_callees`: how many callees a registration has. */
  async countCallees(registrationId: number): Promise<number> {
    const result = await first(this.#call, 'wamp.registration.count_callees', [registrationId]);
    return expectNumber('wamp.registration.count_callees', result);
  }

  /**
   * `wamp.registration.remove_callee` (Crossbar's, on Interchange too): revokes a callee's
   * registration (spec: advanced "Registration Revocation"), with an optional reason URI.
   */
  async removeCallee(registrationId: number, sessionId: number, reason?: string): Promise<void> {
    const args: unknown[] = reason === undefined ? [registrationId, sessionId] : [registrationId, sessionId, reason];
    await this.#call('wamp.registration.remove_callee', args);
  }
}

/** The subscription meta procedures (spec: advanced "Subscription Meta API", "Procedures"; "Event History"). */
export class SubscriptionMeta {
  readonly #call: MetaCall;

  /** @internal */
  constructor(call: MetaCall) {
    this.#call = call;
  }

  /** `wamp.subscription.list`: subscription IDs by match policy (of one session only, on Interchange and Crossbar). */
  async list(sessionId?: number): Promise<IdsByMatch> {
    const args = sessionId === undefined ? [] : [sessionId];
    return idsByMatch('wamp.subscription.list', await first(this.#call, 'wamp.subscription.list', args));
  }

  /** `wamp.subscription.lookup`: the subscription of exactly this topic (or pattern) and match policy. */
  async lookup(topic: string, options: { match?: 'exact' | 'prefix' | 'wildcard' } = {}): Promise<number | undefined> {
    const args = options.match === undefined ? [topic] : [topic, { match: options.match }];
    return optionalId('wamp.subscription.lookup', await first(this.#call, 'wamp.subscription.lookup', args));
  }

  /** `wamp.subscription.match`: every subscription a publication to `topic` reaches (`[]` for none). */
  async match(topic: string): Promise<number[]> {
    const result = await first(this.#call, 'wamp.subscription.match', [topic]);
    return result === null || result === undefined ? [] : expectIds('wamp.subscription.match', result);
  }

  /** `wamp.subscription.get`: a subscription's details. */
  async get(subscriptionId: number): Promise<SubscriptionInfo> {
    const result = await first(this.#call, 'wamp.subscription.get', [subscriptionId]);
    return expectDict<SubscriptionInfo>('wamp.subscription.get', result);
  }

  /** `wamp.subscription.list_subscribers`: the session IDs subscribed. */
  async listSubscribers(subscriptionId: number): Promise<number[]> {
    const result = await first(this.#call, 'wamp.subscription.list_subscribers', [subscriptionId]);
    return expectIds('wamp.subscription.list_subscribers', result);
  }

  /** `wamp.subscription.count_subscribers`: how many sessions are subscribed. */
  async countSubscribers(subscriptionId: number): Promise<number> {
    const result = await first(this.#call, 'wamp.subscription.count_subscribers', [subscriptionId]);
    return expectNumber('wamp.subscription.count_subscribers', result);
  }

  /**
   * `wamp.subscription.get_events` (spec: advanced "Event History"). With a number, Crossbar's
   * form `get_events(subscription, limit)`: the `limit` most recent events, newest first. With
   * a {@link HistoryQuery}, the spec's keyword form, oldest first unless `reverse`.
   * The topic must keep a history (the realm's `store` config), else the router answers
   * `wamp.error.history_unavailable`.
   */
  async getEvents(subscriptionId: number, query?: number | HistoryQuery): Promise<HistoryEvent[]> {
    let result: unknown;
    if (typeof query === 'number') {
      result = await first(this.#call, 'wamp.subscription.get_events', [subscriptionId, query]);
    } else if (query === undefined) {
      result = await first(this.#call, 'wamp.subscription.get_events', [subscriptionId]);
    } else if (isPlainDict(query)) {
      result = await first(this.#call, 'wamp.subscription.get_events', [subscriptionId], { ...query });
    } else {
      throw new InvalidArgumentError('getEvents: query must be a limit or a HistoryQuery object');
    }
    if (!Array.isArray(result)) throw unexpected('wamp.subscription.get_events', result);
    return result.map(decodeHistoryEvent);
  }

  /**
   * `wamp.subscription.remove_subscriber` (Crossbar's, on Interchange too): revokes a session's
   * subscription (spec: advanced "Subscription Revocation"), with an optional reason URI.
   */
  async removeSubscriber(subscriptionId: number, sessionId: number, reason?: string): Promise<void> {
    const args: unknown[] = reason === undefined ? [subscriptionId, sessionId] : [subscriptionId, sessionId, reason];
    await this.#call('wamp.subscription.remove_subscriber', args);
  }
}
