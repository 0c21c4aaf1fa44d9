import { type Dict, type Id, type MatchPolicyValue, matchesPattern, type Payload } from '@interchange/protocol';
import { payloadSize, valueSize } from '../payload-size.js';
import type { FilterSubject, ReceiverFilter } from './receiver-filter.js';

/**
 * How many events with limited distribution (published with black- or whitelisting) a topic
 * keeps beside its one event for everybody. Crossbar keeps them without bound; a bound keeps a
 * publisher that retains with a fresh `eligible` list on every publication from growing memory.
 * When it is reached, the oldest limited event goes.
 */
export const MAX_LIMITED_RETAINED_EVENTS = 64;

/** One retained publication, as its subscribers would have seen it. */
export interface RetainedEvent {
  readonly topic: string;
  /** The session that published it, for `exclude_me`. */
  readonly publisherId: Id;
  /** Whether the publisher was left out (`PUBLISH.Options.exclude_me`, default true). */
  readonly excludeMe: boolean;
  /** The publication's black- and whitelisting, if it had any. */
  readonly filter: ReceiverFilter | undefined;
  /**
   * With a `filter`, the PUBLISH options it was compiled from, so a store that writes the event
   * out can keep the lists and compile the filter again after a restart.
   */
  readonly options?: Dict | undefined;
  /** EVENT.Details every receiver got: publisher disclosure, passthru attributes. */
  readonly details: Dict;
  /** The application payload, untouched. */
  readonly payload: Payload;
  /** The publisher asked for an acknowledgement: carried to its EVENTs (router-internal, see `EventMessage.acknowledged`). */
  readonly acknowledged?: true;
}

/** The bounds of a {@link RetainedEvents}: topics and estimated bytes. */
export interface RetainedBounds {
  readonly maxTopics: number;
  readonly maxBytes: number;
}

/** What keeping one publication cost: topics evicted to make room, or the event refused. */
export interface RetainOutcome {
  /** Topics whose retained events were dropped, least recently retained first, to stay in bounds. */
  readonly evicted: number;
  /** The event alone is larger than the byte bound: it was not retained (the topic keeps what it had). */
  readonly refused: boolean;
}

const KEPT: RetainOutcome = { evicted: 0, refused: false };
const UNBOUNDED: RetainedBounds = { maxTopics: Number.POSITIVE_INFINITY, maxBytes: Number.POSITIVE_INFINITY };

/**
 * The retained events of a realm, by topic (advanced profile "Event Retention").
 *
 * As Crossbar does, a topic keeps the last publication that everybody could receive, and after
 * it the publications that only some could receive (black- or whitelisted ones): a new
 * unrestricted publication replaces them all, a restricted one is added. A new subscriber gets
 * the newest of them it is eligible for, so a restricted event never hides the general one from
 * those it was not meant for (spec: "limited to one event that all subscribers would receive,
 * and MAY include other supplemental events that have limited distribution").
 *
 * Retained events live apart from subscriptions: retention works on topics nobody subscribes to
 * yet, and a subscription still ends with its last subscriber. Retained events outlive their
 * publisher's session (the spec ties them to the topic, not the publisher), so the realm bounds
 * them: at most `maxTopics` topics and `maxBytes` estimated bytes (packages/router/src/realm/realm-limits.ts).
 * Past a bound the least recently retained topics go, as a full LMDB store evicts its oldest
 * records: a publisher keeps being served and the newest state is the one kept.
 */
export class RetainedEvents {
  readonly #byTopic = new Map<string, RetainedEvent[]>();
  /** Estimated bytes per event, so an eviction or replacement subtracts what was added. */
  readonly #sizes = new WeakMap<RetainedEvent, number>();
  readonly #bounds: RetainedBounds;
  #bytes = 0;

  constructor(bounds: RetainedBounds = UNBOUNDED) {
    this.#bounds = bounds;
  }

  /** Number of topics with a retained event. */
  get topicCount(): number {
    return this.#byTopic.size;
  }

  /** Estimated bytes of all retained events. */
  get byteCount(): number {
    return this.#bytes;
  }

  /**
   * Stores a publication as its topic's retained event, then evicts the least recently retained
   * topics (never this one) until both bounds hold again.
   */
  retain(event: RetainedEvent): RetainOutcome {
    const size = this.#sizeOf(event);
    if (size > this.#bounds.maxBytes) return { evicted: 0, refused: true };
    const list = this.#byTopic.get(event.topic);
    // Deleted and set again: Map order is then least recently retained first, for eviction.
    this.#byTopic.delete(event.topic);
    if (event.filter === undefined || list === undefined) {
      if (list !== undefined) this.#subtract(list);
      this.#byTopic.set(event.topic, [event]);
    } else {
      list.push(event);
      this.#byTopic.set(event.topic, list);
      // Drop the oldest restricted event, never the general one at the head (if there is one).
      if (list.length > MAX_LIMITED_RETAINED_EVENTS + 1) {
        const head = list[0] as RetainedEvent;
        this.#subtract(list.splice(head.filter === undefined ? 1 : 0, 1));
      }
    }
    this.#bytes += size;
    return this.#evict();
  }

  #evict(): RetainOutcome {
    let evicted = 0;
    while (this.#byTopic.size > this.#bounds.maxTopics || this.#bytes > this.#bounds.maxBytes) {
      // The newest topic sits last and fits alone (checked in retain), so this stops before it.
      const oldest = this.#byTopic.keys().next().value as string;
      this.forget(oldest);
      evicted++;
    }
    return evicted === 0 ? KEPT : { evicted, refused: false };
  }

  #sizeOf(event: RetainedEvent): number {
    let size = this.#sizes.get(event);
    if (size === undefined) {
      size = event.topic.length * 2 + payloadSize(event.payload) + valueSize(event.details) + valueSize(event.options);
      this.#sizes.set(event, size);
    }
    return size;
  }

  #subtract(events: readonly RetainedEvent[]): void {
    for (const event of events) this.#bytes -= this.#sizeOf(event);
  }

  /** A topic's retained events, oldest first: what a persistent store writes out after {@link retain}. */
  eventsOf(topic: string): readonly RetainedEvent[] | undefined {
    return this.#byTopic.get(topic);
  }

  /** Puts back a topic's events as a persistent store read them at start. */
  restore(topic: string, events: RetainedEvent[]): void {
    if (events.length === 0) return;
    this.forget(topic);
    this.#byTopic.set(topic, events);
    for (const event of events) this.#bytes += this.#sizeOf(event);
  }

  /** Drops a topic's retained events (a full store evicting its oldest). */
  forget(topic: string): boolean {
    const list = this.#byTopic.get(topic);
    if (list === undefined) return false;
    this.#subtract(list);
    return this.#byTopic.delete(topic);
  }

  /**
   * The retained events a new subscription of `subscriber` gets: for each retained topic the
   * subscription matches, the newest event the subscriber would have received had it been
   * subscribed when it was published (spec: "MUST NOT send the Subscriber a Retained Event that
   * they would not be eligible to receive"). Topics come least recently retained first.
   */
  eligibleFor(subscriber: FilterSubject, pattern: string, match: MatchPolicyValue): RetainedEvent[] {
    if (match === 'exact') {
      const event = newestEligible(this.#byTopic.get(pattern), subscriber);
      return event === undefined ? [] : [event];
    }
    const found: RetainedEvent[] = [];
    for (const [topic, list] of this.#byTopic) {
      if (!matchesPattern(topic, pattern, match)) continue;
      const event = newestEligible(list, subscriber);
      if (event !== undefined) found.push(event);
    }
    return found;
  }
}

function newestEligible(
  list: readonly RetainedEvent[] | undefined,
  subscriber: FilterSubject,
): RetainedEvent | undefined {
  if (list === undefined) return undefined;
  for (let i = list.length - 1; i >= 0; i--) {
    const event = list[i] as RetainedEvent;
    if (event.excludeMe && event.publisherId === subscriber.id) continue;
    if (event.filter !== undefined && !event.filter(subscriber)) continue;
    return event;
  }
  return undefined;
}
