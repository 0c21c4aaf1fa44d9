import { type Dict, ProtocolViolationError } from '@interchange/protocol';
import { isPlainDict } from './payload.js';

/**
 * A session as the session meta API describes it (spec: advanced "Session Meta API",
 * `wamp.session.get` and `wamp.session.on_join`). Routers may add keys; they are kept.
 */
export interface SessionInfo {
  session: number;
  authid?: string;
  authrole?: string;
  authmethod?: string;
  authprovider?: string;
  /** The transport: type, serializer, peer address, ... as the router reports it. */
  transport?: Dict;
  /** When the session joined, ISO 8601 UTC: an Interchange router's addition, absent elsewhere. */
  joined?: string;
  [key: string]: unknown;
}

/** `RegistrationDetails` (spec: advanced "Registration Meta API", "Object Schemas"). */
export interface RegistrationInfo {
  id: number;
  /** When it was created, ISO 8601. */
  created: string;
  uri: string;
  match: 'exact' | 'prefix' | 'wildcard';
  invoke: 'single' | 'roundrobin' | 'random' | 'first' | 'last';
  [key: string]: unknown;
}

/** `SubscriptionDetails` (spec: advanced "Subscription Meta API", "Object Schemas"). */
export interface SubscriptionInfo {
  id: number;
  /** When it was created, ISO 8601. */
  created: string;
  uri: string;
  match: 'exact' | 'prefix' | 'wildcard';
  [key: string]: unknown;
}

/** What `wamp.registration.list` and `wamp.subscription.list` answer: IDs by match policy. */
export interface IdsByMatch {
  exact: number[];
  prefix: number[];
  wildcard: number[];
}

/** One event of an event history (spec: advanced "Event History", "Receiving Event History"). */
export interface HistoryEvent {
  /** When the broker received the publication, RFC 3339. */
  timestamp: string;
  subscription: number;
  publication: number;
  /** EVENT.Details as the subscribers got them (`topic`, `publisher`, ...). */
  details: Dict;
  args: unknown[];
  kwargs: Record<string, unknown>;
}

/**
 * The spec's query of `wamp.subscription.get_events`, as keyword arguments (the `*_time`
 * values are RFC 3339 strings). Without `reverse`, events come oldest first.
 */
export interface HistoryQuery {
  limit?: number;
  reverse?: boolean;
  from_time?: string;
  after_time?: string;
  before_time?: string;
  until_time?: string;
  /** Only events published to this topic (for a pattern-based subscription). */
  topic?: string;
  from_publication?: number;
  after_publication?: number;
  before_publication?: number;
  until_publication?: number;
}

/** A session meta event that names a session and a registration or subscription by ID. */
export interface MetaIdEvent {
  /** The session that caused the event. */
  session: number;
  /** The registration or subscription ID. */
  id: number;
}

/**
 * The meta events and what each decodes to (spec: advanced "Session Meta API",
 * "Registration Meta API", "Subscription Meta API", "Events").
 */
export interface MetaEvents {
  'wamp.session.on_join': SessionInfo;
  'wamp.session.on_leave': { session: number; authid: string | undefined; authrole: string | undefined };
  'wamp.registration.on_create': { session: number; registration: RegistrationInfo };
  'wamp.registration.on_register': MetaIdEvent;
  'wamp.registration.on_unregister': MetaIdEvent;
  'wamp.registration.on_delete': MetaIdEvent;
  'wamp.subscription.on_create': { session: number; subscription: SubscriptionInfo };
  'wamp.subscription.on_subscribe': MetaIdEvent;
  'wamp.subscription.on_unsubscribe': MetaIdEvent;
  'wamp.subscription.on_delete': MetaIdEvent;
}

/** A meta event topic. */
export type MetaTopic = keyof MetaEvents;

/** Every meta event topic, for checking a topic given at run time. */
export const META_TOPICS: readonly MetaTopic[] = [
  'wamp.session.on_join',
  'wamp.session.on_leave',
  'wamp.registration.on_create',
  'wamp.registration.on_register',
  'wamp.registration.on_unregister',
  'wamp.registration.on_delete',
  'wamp.subscription.on_create',
  'wamp.subscription.on_subscribe',
  'wamp.subscription.on_unsubscribe',
  'wamp.subscription.on_delete',
];

/**
 * Decodes a meta event's arguments. The spec's shapes are positional: `on_join(details)`,
 * `on_leave(session, authid, authrole)`, `on_create(session, details)`, the others
 * `(session, id)`. Older Crossbar sent `on_leave` with the session ID alone; that still decodes.
 *
 * @throws ProtocolViolationError when the arguments do not have the spec's shape.
 */
export function decodeMetaEvent<T extends MetaTopic>(topic: T, args: readonly unknown[]): MetaEvents[T] {
  const bad = (): ProtocolViolationError =>
    new ProtocolViolationError(`${topic}: unexpected arguments ${safeJson(args)}`, { field: 'args' });
  const first = args[0];
  const second = args[1];
  switch (topic) {
    case 'wamp.session.on_join': {
      if (!isPlainDict(first) || typeof first['session'] !== 'number') throw bad();
      return first as MetaEvents[T];
    }
    case 'wamp.session.on_leave': {
      if (typeof first !== 'number') throw bad();
      const authid = typeof second === 'string' ? second : undefined;
      const authrole = typeof args[2] === 'string' ? args[2] : undefined;
      return { session: first, authid, authrole } as MetaEvents[T];
    }
    case 'wamp.registration.on_create': {
      if (typeof first !== 'number' || !isPlainDict(second)) throw bad();
      return { session: first, registration: second } as MetaEvents[T];
    }
    case 'wamp.subscription.on_create': {
      if (typeof first !== 'number' || !isPlainDict(second)) throw bad();
      return { session: first, subscription: second } as MetaEvents[T];
    }
    default: {
      if (typeof first !== 'number' || typeof second !== 'number') throw bad();
      return { session: first, id: second } as MetaEvents[T];
    }
  }
}

/** Reads a history event of `wamp.subscription.get_events`; absent args and kwargs read as `[]` and `{}`. */
export function decodeHistoryEvent(value: unknown): HistoryEvent {
  if (!isPlainDict(value)) {
    throw new ProtocolViolationError(`wamp.subscription.get_events: an event must be a dict, got ${safeJson(value)}`, {
      field: 'args',
    });
  }
  const args = value['args'];
  const kwargs = value['kwargs'];
  const details = value['details'];
  return {
    timestamp: String(value['timestamp']),
    subscription: Number(value['subscription']),
    publication: Number(value['publication']),
    details: isPlainDict(details) ? details : {},
    args: Array.isArray(args) ? args : value['payload'] !== undefined ? [value['payload']] : [],
    kwargs: isPlainDict(kwargs) ? kwargs : {},
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
