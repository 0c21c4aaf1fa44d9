import { InvalidArgumentError, isMatchPolicy, isValidUri, type MatchPolicyValue } from '@interchange/protocol';
import type { StoreConfig } from '../realm/realm-config.js';

/**
 * Calls queued per `call-queue` entry that sets no `limit` and whose store sets none either:
 * Crossbar's global store default (the same 100 as for event histories).
 */
export const DEFAULT_CALL_QUEUE_LIMIT = 100;

/** One `call-queue` entry of a realm's `store` block, with its defaults applied. */
export interface CallQueueEntry {
  /** The registration's URI, prefix or wildcard pattern. */
  readonly uri: string;
  readonly match: MatchPolicyValue;
  /** How many calls may wait at once. */
  readonly limit: number;
}

/** A realm's call queues: the limits of the registrations entries name, and everyone else's. */
export interface CallQueueSettings {
  readonly entries: readonly CallQueueEntry[];
  /** The limit of a registration no entry names: the store's `limit`, else 100. */
  readonly defaultLimit: number;
}

/**
 * Reads and checks the `call-queue` list of a realm's `store` block (Crossbar's realm store:
 * calls wait while every callee of the registration is at its `concurrency`). Its presence turns
 * queueing on for the realm; an entry gives the registration of its URI and match policy (as an
 * `event-history` entry names a subscription) its own limit, every other registration queues up
 * to the store's `limit` (Crossbar's "global default for limit on call queues").
 * `undefined` when the store has no `call-queue` list: nothing queues.
 * @throws InvalidArgumentError when an entry is malformed.
 */
export function callQueueSettings(store: StoreConfig | undefined): CallQueueSettings | undefined {
  const entries = store?.['call-queue'];
  if (entries === undefined) return undefined;
  if (!Array.isArray(entries)) throw new InvalidArgumentError(`store 'call-queue' must be a list`);
  const fallback = store?.limit ?? DEFAULT_CALL_QUEUE_LIMIT;
  if (!(Number.isSafeInteger(fallback) && fallback >= 1))
    throw new InvalidArgumentError(`store limit must be a positive integer, got ${String(fallback)}`);
  const seen = new Set<string>();
  const checked = entries.map((entry) => {
    const match = entry.match ?? 'exact';
    if (!isMatchPolicy(match)) throw new InvalidArgumentError(`call-queue: unknown match policy '${String(match)}'`);
    if (!isValidUri(entry.uri, { match }))
      throw new InvalidArgumentError(`call-queue: invalid ${match} URI '${String(entry.uri)}'`);
    const limit = entry.limit ?? fallback;
    if (!(typeof limit === 'number' && Number.isSafeInteger(limit) && limit >= 1))
      throw new InvalidArgumentError(`call-queue '${entry.uri}': limit must be a positive integer`);
    const key = `${match} ${entry.uri}`;
    if (seen.has(key)) throw new InvalidArgumentError(`call-queue: '${entry.uri}' (${match}) is listed twice`);
    seen.add(key);
    return { uri: entry.uri, match, limit };
  });
  return { entries: checked, defaultLimit: fallback };
}
