import {
  type Dict,
  type Id,
  InvalidArgumentError,
  isMatchPolicy,
  isValidUri,
  type MatchPolicyValue,
  type Payload,
} from '@interchange/protocol';
import type { StoreConfig } from '../realm/realm-config.js';
import type { FilterSubject, ReceiverFilter } from './receiver-filter.js';

/** Events kept per history entry without a `limit`: Crossbar's `GLOBAL_HISTORY_LIMIT`. */
export const DEFAULT_EVENT_HISTORY_LIMIT = 100;

/** One `event-history` entry of a realm's `store` block, with its defaults applied. */
export interface EventHistoryEntry {
  readonly uri: string;
  readonly match: MatchPolicyValue;
  readonly limit: number;
}

/**
 * Reads and checks the `store` block of a realm config.
 * @throws InvalidArgumentError when the store type is unknown or an entry is malformed.
 */
export function eventHistoryEntries(store: StoreConfig | undefined): EventHistoryEntry[] {
  if (store === undefined) return [];
  if (store.type !== 'memory' && store.type !== 'lmdb') {
    throw new InvalidArgumentError(`store type '${String(store.type)}' is not supported (only 'memory' and 'lmdb')`);
  }
  const fallback = store.limit ?? DEFAULT_EVENT_HISTORY_LIMIT;
  if (!isPositiveInteger(fallback))
    throw new InvalidArgumentError(`store limit must be a positive integer, got ${String(fallback)}`);
  const entries = store['event-history'] ?? [];
  if (!Array.isArray(entries)) throw new InvalidArgumentError(`store 'event-history' must be a list`);
  return entries.map((entry) => {
    const match = entry.match ?? 'exact';
    if (!isMatchPolicy(match)) throw new InvalidArgumentError(`event-history: unknown match policy '${String(match)}'`);
    if (!isValidUri(entry.uri, { match }))
      throw new InvalidArgumentError(`event-history: invalid ${match} URI '${String(entry.uri)}'`);
    const limit = entry.limit ?? fallback;
    if (!isPositiveInteger(limit))
      throw new InvalidArgumentError(`event-history '${entry.uri}': limit must be a positive integer`);
    return { uri: entry.uri, match, limit };
  });
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}

/** One event kept in a subscription's history. */
export interface StoredEvent {
  /** When the broker received the publication, in ms since the epoch. */
  readonly time: number;
  readonly publication: Id;
  /** The concrete topic published to. */
  readonly topic: string;
  /** EVENT.Details as the subscription's receivers got them. */
  readonly details: Dict;
  readonly payload: Payload;
  /**
   * The publication's `eligible_authid`/`eligible_authrole`/`exclude_authid`/`exclude_authrole`
   * lists, checked against whoever asks for the history (spec: "Event History", "Security
   * Aspects").
   */
  readonly filter: ReceiverFilter | undefined;
  /** With a `filter`, the PUBLISH options it was compiled from (see `RetainedEvent.options`). */
  readonly options?: Dict | undefined;
}

/**
 * The history of one subscription: the last `limit` events, oldest first, in a ring buffer so
 * that a full history drops its oldest event in constant time.
 */
export class EventHistoryLog {
  readonly limit: number;
  readonly #ring: (StoredEvent | undefined)[];
  #start = 0;
  #size = 0;

  constructor(limit: number) {
    this.limit = limit;
    this.#ring = new Array<StoredEvent | undefined>(limit);
  }

  /** Number of events kept. */
  get size(): number {
    return this.#size;
  }

  /** Adds the newest event, dropping the oldest when the history is full. */
  append(event: StoredEvent): void {
    const end = (this.#start + this.#size) % this.limit;
    this.#ring[end] = event;
    if (this.#size < this.limit) this.#size++;
    else this.#start = (this.#start + 1) % this.limit;
  }

  /** The events `subject` may see, oldest first. */
  visibleTo(subject: FilterSubject): StoredEvent[] {
    const out: StoredEvent[] = [];
    for (let i = 0; i < this.#size; i++) {
      const event = this.#ring[(this.#start + i) % this.limit] as StoredEvent;
      if (event.filter === undefined || event.filter(subject)) out.push(event);
    }
    return out;
  }
}

/**
 * Whether a publication may enter the history. Spec "Event History", "Security Aspects":
 * publications with `exclude` or `eligible` (session IDs) "should be ignored by the Event
 * History mechanism and not be saved at all", since session IDs mean nothing to later sessions.
 */
export function isStorable(options: Dict): boolean {
  return options.exclude === undefined && options.eligible === undefined;
}
