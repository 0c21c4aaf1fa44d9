/**
 * The bounds on what the sessions of one realm can make the router hold, an Interchange
 * addition beside Crossbar's realm keys (the realm's `limits` block). Every value has a safe
 * default; docs/security.md lists them with their config keys and what happens at the bound.
 */

/** A realm's `limits` block in the router's shape; every field optional. */
export interface RealmLimitsConfig {
  /** Topics with a retained event, at most (`limits.retained_topics`). */
  retainedTopics?: number;
  /** Bytes of retained events (estimated, see `payload-size.ts`), at most (`limits.retained_bytes`). */
  retainedBytes?: number;
  /** Calls a session may have waiting for their answer at once (`limits.pending_calls_per_session`). */
  pendingCallsPerSession?: number;
  /** Invocations a callee may have unanswered on one registration (`limits.pending_calls_per_callee`). */
  pendingCallsPerCallee?: number;
  /** Payload bytes (estimated, see `payload-size.ts`) of the calls one callee session has unanswered (`limits.pending_call_bytes_per_callee`). */
  pendingCallBytesPerCallee?: number;
  /** Payload bytes (estimated) of every pending call of the realm (`limits.pending_call_bytes`). */
  pendingCallBytes?: number;
  /** Requests of a session waiting behind a pending dynamic authorization (`limits.authorization_queue`). */
  authorizationQueue?: number;
  /** Subscriptions of one session (`limits.subscriptions_per_session`). */
  subscriptionsPerSession?: number;
  /** Registrations of one session (`limits.registrations_per_session`). */
  registrationsPerSession?: number;
}

/** The ERROR of a SUBSCRIBE past `limits.subscriptions_per_session` (Interchange's own URI). */
export const SUBSCRIPTIONS_LIMIT_REACHED = 'interchange.error.subscriptions_limit_reached';
/** The ERROR of a REGISTER past `limits.registrations_per_session` (Interchange's own URI). */
export const REGISTRATIONS_LIMIT_REACHED = 'interchange.error.registrations_limit_reached';

/** {@link RealmLimitsConfig} with every default filled in. */
export type RealmLimits = Required<RealmLimitsConfig>;

/**
 * The defaults: generous for an application, small enough that a node with a few realms stays
 * well under a gigabyte when a peer fills every bound.
 */
export const DEFAULT_REALM_LIMITS: RealmLimits = {
  retainedTopics: 10_000,
  retainedBytes: 64 * 1024 * 1024,
  pendingCallsPerSession: 1000,
  pendingCallsPerCallee: 10_000,
  // 64 times the default largest WebSocket message (1 MiB, whose strings count twice).
  pendingCallBytesPerCallee: 64 * 1024 * 1024,
  pendingCallBytes: 256 * 1024 * 1024,
  authorizationQueue: 1000,
  subscriptionsPerSession: 10_000,
  registrationsPerSession: 10_000,
};

/** A realm's limits with the defaults for what the config leaves out. */
export function realmLimits(config: RealmLimitsConfig | undefined): RealmLimits {
  return { ...DEFAULT_REALM_LIMITS, ...definedOnly(config ?? {}) };
}

function definedOnly(config: RealmLimitsConfig): RealmLimitsConfig {
  const out: RealmLimitsConfig = {};
  for (const [key, value] of Object.entries(config) as [keyof RealmLimitsConfig, number | undefined][]) {
    if (value !== undefined) out[key] = value;
  }
  return out;
}
