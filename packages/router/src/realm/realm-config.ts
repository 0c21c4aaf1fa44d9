/**
 * The configuration of a realm and its roles, in the shape of a Crossbar.io node config
 * (`workers[].realms[]`), so a Crossbar config moves over unchanged (docs/architecture.md, "Wire and
 * compatibility contracts").
 */
import type { RealmLimitsConfig } from './realm-limits.js';
import type { WampDialectConfig } from './wamp-dialect.js';

/** The four actions a static permission allows or denies. */
export const Action = {
  CALL: 'call',
  REGISTER: 'register',
  PUBLISH: 'publish',
  SUBSCRIBE: 'subscribe',
} as const;
/** One of `'call' | 'register' | 'publish' | 'subscribe'`. */
export type ActionName = (typeof Action)[keyof typeof Action];

/**
 * One permission rule of a role, as Crossbar writes it.
 *
 * @example
 * { uri: 'com.example.', match: 'prefix', allow: { call: true, subscribe: true } }
 */
export interface PermissionConfig {
  /** The URI (or prefix, or wildcard pattern) the rule applies to. `''` with `prefix` matches all. */
  uri: string;
  /**
   * How `uri` is matched. When omitted, `exact`; except that, as in older Crossbar configs, a
   * `uri` of `*` or ending in `*` means a prefix match on what precedes the star.
   */
  match?: 'exact' | 'prefix' | 'wildcard';
  /** Allowed actions; a missing action is denied. */
  allow: { call?: boolean; register?: boolean; publish?: boolean; subscribe?: boolean };
  /**
   * Whether the identity of the caller (in INVOCATION) or publisher (in EVENT) is disclosed to
   * callees and subscribers (advanced profile "Caller Identification", "Publisher Identification").
   */
  disclose?: { caller?: boolean; publisher?: boolean };
  /**
   * Crossbar's flag that the decision may be cached. A static rule is already decided in memory
   * from the compiled config on every request, so caching it changes nothing observable; it is
   * accepted for compatibility. (For dynamic authorizers, `cache: true` in the answer does
   * matter: see {@link RoleConfig.authorizer}.)
   */
  cache?: boolean;
}

/**
 * A role of a realm: a name and the permissions of sessions authenticated under it, or, instead
 * of permissions, the URI of a dynamic authorizer procedure (Crossbar's `{ name, authorizer }`),
 * called as `authorizer(session, uri, action, options)` and answering `true`/`false` or
 * `{ allow, disclose?, cache? }`. An authorizer that fails or does not answer in time denies.
 *
 * @example
 * { name: 'frontend', authorizer: 'com.example.authorize' }
 */
export interface RoleConfig {
  name: string;
  /** Required unless `authorizer` is given. */
  permissions?: PermissionConfig[];
  /**
   * What decides each request of this role's sessions: a procedure URI, or an
   * {@link AuthorizeFunction} in the router's process (Crossbar's Python callable; the server
   * loads it from a JS module of the node directory).
   */
  authorizer?: string | AuthorizeFunction;
}

/**
 * An authorizer function: called as `authorize(session, uri, action, options)` with what an
 * authorizer procedure gets, answering as one does (`true`/`false` or `{ allow, disclose?,
 * cache? }`), at once or as a promise. Throwing, rejecting or not answering in time denies.
 */
export type AuthorizeFunction = (
  session: Record<string, unknown>,
  uri: string,
  action: string,
  options: Record<string, unknown>,
) => unknown;

/**
 * A realm: a routing and administrative domain (spec: basic profile "Realms, Sessions and
 * Transports"). Without `roles`, every session may do everything; with `roles`, a session's
 * `authrole` must be one of them and its actions are checked against that role's permissions.
 *
 * @example
 * const realm: RealmConfig = {
 *   name: 'realm1',
 *   roles: [{ name: 'anonymous', permissions: [{ uri: '', match: 'prefix', allow: { call: true, subscribe: true } }] }],
 * };
 */
export interface RealmConfig {
  name: string;
  roles?: RoleConfig[];
  /** Event history, as Crossbar's realm `store` block configures it. */
  store?: StoreConfig;
  /** Where the spec and Crossbar differ, which side this realm takes; Crossbar's by default. */
  dialect?: WampDialectConfig;
  /** Bounds on what sessions can make the realm hold (realm-limits.ts); safe defaults. */
  limits?: RealmLimitsConfig;
  /** Crossbar's session statistics: `wamp.session.on_stats` events (meta/session-stats.ts). */
  stats?: SessionStatsConfig;
}

/**
 * A realm's `stats` block, as Crossbar writes it: when to publish each session's traffic
 * statistics. At least one of the two `trigger_after_*` must be set.
 *
 * @example
 * const stats: SessionStatsConfig = { rated_message_size: 256, trigger_after_rated_messages: 10, trigger_on_join: true };
 */
export interface SessionStatsConfig {
  /** Bytes per rated message (a positive even number); 512 by default. */
  rated_message_size?: number;
  /** Publish after this many rated messages, sent and received; 0 (default): not for that reason. */
  trigger_after_rated_messages?: number;
  /** Publish after this many seconds (checked when traffic passes); 0 (default): not for that reason. */
  trigger_after_duration?: number;
  /** Publish when the session joins; false by default (as in Crossbar's code). */
  trigger_on_join?: boolean;
  /** Publish when the session leaves, with `last`; true by default. */
  trigger_on_leave?: boolean;
}

/**
 * Which topics keep an event history, and how much of it (advanced profile "Event History":
 * "configuration of event history on a per-topic or per-topic-pattern basis"), in the shape of
 * Crossbar's realm `store` block.
 *
 * @example
 * const store: StoreConfig = {
 *   type: 'memory',
 *   limit: 100,
 *   'event-history': [{ uri: 'com.example.log.', match: 'prefix', limit: 1000 }],
 * };
 */
export interface StoreConfig {
  /**
   * `memory`: retained events and histories live in the router process and are lost on
   * restart. `lmdb`: they are kept in an LMDB file as well and survive a restart; the router
   * cannot open files, so the host passes the store (`RouterOptions.realmStore`; the server
   * does).
   */
  type: 'memory' | 'lmdb';
  /** `lmdb` only: the store's directory, relative to the node directory. */
  path?: string;
  /** `lmdb` only: the most bytes the store file may take. */
  maxsize?: number;
  /**
   * `lmdb` only: acknowledge a publication once its write is flushed to disk (`true`, the
   * default: survives a power loss) or once it is committed (`false`: survives a killed
   * process, not a crashed machine; much faster on slow disks).
   */
  sync?: boolean;
  /**
   * Events kept per history entry, and calls queued per call queue, that set no `limit` of
   * their own. Defaults to 100, as in Crossbar.
   */
  limit?: number;
  /** The topics (or patterns) whose events are kept. */
  'event-history'?: EventHistoryConfig[];
  /**
   * With it, calls wait, first in first out, while every callee of their registration is at its
   * `concurrency` (Crossbar's call queues; dealer/call-queues.ts): up to an entry's `limit` for
   * the registration it names, up to `limit` for any other. Whatever the store type, the queues
   * live in the router process.
   */
  'call-queue'?: CallQueueConfig[];
}

/** One `call-queue` entry of a {@link StoreConfig}. */
export interface CallQueueConfig {
  /** The registration's procedure URI, prefix or wildcard pattern. */
  uri: string;
  /** The registration's match policy; defaults to `exact`. */
  match?: 'exact' | 'prefix' | 'wildcard';
  /** How many calls may wait at once; defaults to the store's `limit`. */
  limit?: number;
}

/** One `event-history` entry of a {@link StoreConfig}. */
export interface EventHistoryConfig {
  /** The topic, prefix or wildcard pattern. */
  uri: string;
  /** How `uri` is matched; defaults to `exact`. */
  match?: 'exact' | 'prefix' | 'wildcard';
  /** How many of the most recent events are kept; defaults to the store's `limit`. */
  limit?: number;
}
