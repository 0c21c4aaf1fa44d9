import { type Dict, type Id, type MatchPolicyValue, matchesPattern, type Payload } from '@interchange/protocol';
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
}

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
 * yet, and a subscription still ends with its last subscriber.
 */
export class RetainedEvents {
  readonly #byTopic = new Map<string, RetainedEvent[]>();

  /** Number of topics with a retained event. */
  get topicCount(): number {
    return this.#byTopic.size;
  }

  /** Stores a publication as its topic's retained event. */
  retain(event: RetainedEvent): void {
    const list = this.#byTopic.get(event.topic);
    if (event.filter === undefined || list === undefined) {
      this.#byTopic.set(event.topic, [event]);
      return;
    }
    list.push(event);
    // Drop the oldest restricted event, never the general one at the head (if there is one).
    if (list.length > MAX_LIMITED_RETAINED_EVENTS + 1) {
      const head = list[0] as RetainedEvent;
      list.splice(head.filter === undefined ? 1 : 0, 1);
    }
  }

  /** A topic's retained events, oldest first: what a persistent store writes out after {@link retain}. */
  eventsOf(topic: string): readonly RetainedEvent[] | undefined {
    return this.#byTopic.get(topic);
  }

  /** Puts back a topic's events as a persistent store read them at start. */
  restore(topic: string, events: RetainedEvent[]): void {
    if (events.length > 0) this.#byTopic.set(topic, events);
  }

  /** Drops a topic's retained events (a full store evicting its oldest). */
  forget(topic: string): boolean {
    return this.#byTopic.delete(topic);
  }

  /**
   * The retained events a new subscription of `subscriber` gets: for each retained topic the
   * subscription matches, the newest event the subscriber would have received had it been
   * subscribed when it was published (spec: "MUST NOT send the Subscriber a Retained Event that
   * they would not be eligible to receive"). Topics come in the order they were first retained.
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
