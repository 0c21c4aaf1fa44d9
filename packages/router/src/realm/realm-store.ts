import type { Id, MatchPolicyValue } from '@interchange/protocol';
import { type EventHistoryEntry, EventHistoryLog, type StoredEvent } from '../broker/event-history.js';
import type { FilterSubject } from '../broker/receiver-filter.js';
import {
  type RetainedBounds,
  type RetainedEvent,
  RetainedEvents,
  type RetainOutcome,
} from '../broker/retained-events.js';

/**
 * Where a realm keeps its retained events (advanced profile "Event Retention"). Reads are
 * synchronous: a SUBSCRIBE with `get_retained` answers in the same turn.
 */
export interface RetainedEventStore {
  /** Number of topics with a retained event. */
  readonly topicCount: number;
  /**
   * Stores a publication as its topic's retained event. A bounded store says what it evicted or
   * refused, for the broker to log against the publisher; one bounded otherwise (the LMDB store's
   * `maxsize`) answers nothing.
   */
  retain(event: RetainedEvent): RetainOutcome | undefined;
  /**
   * The retained events a new subscription of `subscriber` to `pattern` gets: per matching
   * topic, the newest one the subscriber is eligible for.
   */
  eligibleFor(subscriber: FilterSubject, pattern: string, match: MatchPolicyValue): RetainedEvent[];
}

/** Where one configured subscription keeps its event history (advanced profile "Event History"). */
export interface EventHistoryStore {
  /** How many events it keeps at most. */
  readonly limit: number;
  /** Number of events kept. */
  readonly size: number;
  /** Adds the newest event, dropping the oldest when the history is full. */
  append(event: StoredEvent): void;
  /** The events `subject` may see, oldest first. */
  visibleTo(subject: FilterSubject): StoredEvent[];
}

/** A configured history as a store hands it to the broker. */
export interface StoredHistory {
  readonly log: EventHistoryStore;
  /**
   * The subscription ID the history had before a restart, so that a remembered ID still works
   * with `wamp.subscription.get_events`; `undefined` for a new one (the broker picks an ID and
   * tells the store with {@link RealmStore.rememberSubscription}).
   */
  readonly subscriptionId: Id | undefined;
}

/**
 * The state of a realm that a restart may keep: retained events and the configured event
 * histories (docs/durability.md). The router holds the interface; the memory store is the
 * router's own, a persistent one comes from the host (the server's LMDB store), since the
 * router touches no files.
 *
 * Writes are synchronous calls; a persistent store commits them in the background, and
 * {@link durable} says when what was written so far is safe, so that the broker sends PUBLISHED
 * only then.
 */
export interface RealmStore {
  /**
   * Whether the store keeps what is written on disk. The broker then sends PUBLISHED only once
   * {@link durable} settles; otherwise at once, before the EVENTs (as Crossbar does).
   */
  readonly persistent: boolean;
  readonly retained: RetainedEventStore;
  /** The history of a configured `event-history` entry. Called once per entry, at start. */
  history(entry: EventHistoryEntry): StoredHistory;
  /** Records the subscription ID the broker gave a history without a remembered one. */
  rememberSubscription(entry: EventHistoryEntry, id: Id): void;
  /**
   * `undefined` when everything written is durable already (always, for the memory store, so
   * an acknowledged publication costs nothing more); otherwise a promise that settles once it
   * is, and rejects when the write failed.
   */
  durable(): Promise<void> | undefined;
  /** Finishes pending writes and releases the store. */
  close(): Promise<void>;
}

/**
 * The default store: everything in the router process, lost on restart, as before stores
 * existed (Crossbar's `"type": "memory"`).
 */
export class MemoryRealmStore implements RealmStore {
  readonly persistent = false;
  readonly retained: RetainedEventStore;

  /** `bounds`: the realm's `limits.retained_topics` and `limits.retained_bytes` (realm-limits.ts). */
  constructor(bounds?: RetainedBounds) {
    this.retained = new RetainedEvents(bounds);
  }

  history(entry: EventHistoryEntry): StoredHistory {
    return { log: new EventHistoryLog(entry.limit), subscriptionId: undefined };
  }

  rememberSubscription(): void {}

  durable(): undefined {
    return undefined;
  }

  async close(): Promise<void> {}
}
