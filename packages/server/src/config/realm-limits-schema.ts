/**
 * The realm's `limits` block, an Interchange addition beside Crossbar's realm keys: the bounds on
 * what the sessions of a realm can make the router hold. Every key is optional and has a safe
 * default (packages/router/src/realm/realm-limits.ts); docs/security.md lists them.
 *
 * @example
 * "limits": { "retained_topics": 1000, "retained_bytes": 8388608 }
 */
import type { RealmLimitsConfig } from '@interchange/router';
import type { z } from 'zod';
import { integer, section } from './schema-builders.js';

export const realmLimitsSchema = section({
  /** Topics with a retained event, at most; past it the least recently retained topic goes. */
  retained_topics: integer(1, 100_000_000).optional(),
  /** Estimated bytes of retained events, at most; same eviction. */
  retained_bytes: integer(1024, 2 ** 40).optional(),
  /** Calls of one session waiting for their answers, at most; more get an ERROR. */
  pending_calls_per_session: integer(1, 10_000_000).optional(),
  /** Unanswered invocations of one callee on one registration, at most; then it counts as busy. */
  pending_calls_per_callee: integer(1, 10_000_000).optional(),
  /** Estimated payload bytes of the calls one callee session has unanswered, at most; then it counts as full. */
  pending_call_bytes_per_callee: integer(1024, 2 ** 40).optional(),
  /** Estimated payload bytes of all pending calls of the realm, at most; more calls get an ERROR. */
  pending_call_bytes: integer(1024, 2 ** 40).optional(),
  /** Requests of a session waiting behind a pending dynamic authorization, at most; more abort the session. */
  authorization_queue: integer(1, 10_000_000).optional(),
  /** Subscriptions of one session, at most; more get an ERROR. */
  subscriptions_per_session: integer(1, 10_000_000).optional(),
  /** Registrations of one session, at most; more get an ERROR. */
  registrations_per_session: integer(1, 10_000_000).optional(),
});

/** A realm's `limits` block as written in the config. */
export type RealmLimitsEntry = z.output<typeof realmLimitsSchema>;

/** The router's shape of a `limits` block. */
export function realmLimitsOf(entry: RealmLimitsEntry): RealmLimitsConfig {
  const out: RealmLimitsConfig = {};
  if (entry.retained_topics !== undefined) out.retainedTopics = entry.retained_topics;
  if (entry.retained_bytes !== undefined) out.retainedBytes = entry.retained_bytes;
  if (entry.pending_calls_per_session !== undefined) out.pendingCallsPerSession = entry.pending_calls_per_session;
  if (entry.pending_calls_per_callee !== undefined) out.pendingCallsPerCallee = entry.pending_calls_per_callee;
  if (entry.pending_call_bytes_per_callee !== undefined)
    out.pendingCallBytesPerCallee = entry.pending_call_bytes_per_callee;
  if (entry.pending_call_bytes !== undefined) out.pendingCallBytes = entry.pending_call_bytes;
  if (entry.authorization_queue !== undefined) out.authorizationQueue = entry.authorization_queue;
  if (entry.subscriptions_per_session !== undefined) out.subscriptionsPerSession = entry.subscriptions_per_session;
  if (entry.registrations_per_session !== undefined) out.registrationsPerSession = entry.registrations_per_session;
  return out;
}
