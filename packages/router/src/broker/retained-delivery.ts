/**
 * Event retention as the broker applies it (advanced profile "Event Retention"): keeping a
 * publication as its topic's retained event, logging a publisher that hits the realm's bounds,
 * and handing the retained events to a new subscriber that asks for them. Separate from the
 * broker's delivery loop and from `retained-events.ts` (the store itself), which knows nothing
 * of sessions or messages.
 */
import { type Dict, type EventMessage, randomId } from '@interchange/protocol';
import type { OffenderLog } from '../offender-log.js';
import { bareDetails, barePassthruPayload, readsBarePassthru } from '../passthru.js';
import { copyPayload } from '../payload.js';
import type { RealmMember } from '../realm/realm-member.js';
import type { RetainedEventStore } from '../realm/realm-store.js';
import type { Publication } from './publication.js';
import type { FilterSubject } from './receiver-filter.js';
import type { RetainOutcome } from './retained-events.js';
import type { Subscription } from './subscription.js';

/**
 * Keeps a publication of `publisher` as its topic's retained event. Advanced profile "Event
 * Retention": "Brokers that allow event retention on the given topic MUST set the topic
 * Retained Event to this if it were eligible to be published".
 */
export function retainPublication(
  retained: RetainedEventStore,
  offenders: OffenderLog,
  publisher: FilterSubject,
  p: Publication,
): void {
  const { topic, filter } = p;
  const outcome = retained.retain({
    topic,
    publisherId: publisher.id,
    excludeMe: p.excludeMe,
    filter,
    options: filter === undefined ? undefined : p.options,
    details: p.common,
    payload: p.payload,
    ...(p.options.acknowledge === true ? { acknowledged: true as const } : {}),
  });
  if (outcome !== undefined && (outcome.evicted > 0 || outcome.refused))
    retainedBoundHit(offenders, publisher, topic, outcome);
}

/**
 * A retained publication hit the realm's bounds: older topics were evicted to make room, or
 * the event alone exceeds the byte bound and was not retained (it is still delivered).
 */
function retainedBoundHit(
  offenders: OffenderLog,
  publisher: FilterSubject,
  topic: string,
  outcome: RetainOutcome,
): void {
  if (outcome.refused)
    offenders.hit('limits.retained_bytes', publisher, 'retained event larger than the realm allows; not retained', {
      topic,
    });
  else
    offenders.hit(
      'limits.retained_topics',
      publisher,
      'retained events of the realm at their bound (limits.retained_topics, limits.retained_bytes); least recently retained topics evicted',
      { topic, evicted: outcome.evicted },
    );
}

/**
 * Advanced profile "Event Retention": a subscriber asking with `get_retained` gets, after
 * SUBSCRIBED, the retained events it is eligible for, marked `retained`. Each goes out under
 * a fresh publication ID, as Crossbar does (broker.py `_get_retained_event`). A subscriber of the
 * earlier "payload transparency" gets a passthru event in the form it reads, as it does a live
 * one (passthru.ts).
 */
export function sendRetained(retained: RetainedEventStore, session: RealmMember, subscription: Subscription): void {
  const readsBare = readsBarePassthru(session);
  for (const event of retained.eligibleFor(session, subscription.topic, subscription.match)) {
    const details: Dict = { ...event.details, retained: true };
    if (subscription.match !== 'exact') details.topic = event.topic;
    const bare = readsBare ? barePassthruPayload(event.details, event.payload) : undefined;
    const header = { type: 'EVENT', subscription: subscription.id, publication: randomId() } as const;
    const message: EventMessage =
      bare === undefined
        ? copyPayload<EventMessage>({ ...header, details }, event.payload)
        : { ...header, details: bareDetails(details), payload: bare };
    if (event.acknowledged === true) message.acknowledged = true;
    session.send(message);
  }
}
