import { ApplicationError, type Dict, ErrorUri, type Id, isValidId, isValidUri } from '@interchange/protocol';
import { bareDetails, barePassthruPayload } from '../passthru.js';
import type { StoredEvent } from './event-history.js';

/** A `wamp.subscription.get_events` request, read and checked. */
export interface HistoryQuery {
  /** At most this many events; all that match when absent. */
  readonly limit: number | undefined;
  /** Newest first instead of in order of occurrence. */
  readonly reverse: boolean;
  readonly fromTime: number | undefined;
  readonly afterTime: number | undefined;
  readonly beforeTime: number | undefined;
  readonly untilTime: number | undefined;
  readonly topic: string | undefined;
  readonly fromPublication: Id | undefined;
  readonly afterPublication: Id | undefined;
  readonly beforePublication: Id | undefined;
  readonly untilPublication: Id | undefined;
}

const KWARGS = new Set([
  'limit',
  'reverse',
  'from_time',
  'after_time',
  'before_time',
  'until_time',
  'topic',
  'from_publication',
  'after_publication',
  'before_publication',
  'until_publication',
]);

// RFC 3339 date-time (spec: the `*_time` arguments are "RFC3339-formatted timestamp" strings).
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function invalid(message: string): ApplicationError {
  return new ApplicationError(ErrorUri.INVALID_ARGUMENT, { args: [message] });
}

/**
 * Reads the arguments of `wamp.subscription.get_events` after the subscription ID.
 *
 * Two call forms are understood. The spec's (advanced profile "Event History", "Receiving
 * Event History"): keyword arguments `limit`, `reverse`, `*_time`, `topic`, `*_publication`,
 * events in order of occurrence unless `reverse`. Crossbar's: `get_events(subscription_id,
 * limit)` with the limit as the second positional argument, which answers the `limit` most
 * recent events, newest first (crossbar/router/realmstore.py `RealmStoreMemory.get_events`: "at
 * most 'limit' events in reverse chronological order"); that form is `reverse` by default.
 *
 * @param maxLimit the subscription's configured history size: a larger `limit` can never be
 *   met and is refused.
 * @throws ApplicationError `wamp.error.invalid_argument` on any malformed argument.
 */
export function parseHistoryQuery(rest: readonly unknown[], kwargs: Dict, maxLimit: number): HistoryQuery {
  if (rest.length > 1) throw invalid('get_events takes at most two positional arguments: subscription ID and limit');
  for (const key of Object.keys(kwargs)) {
    if (!KWARGS.has(key)) throw invalid(`get_events has no keyword argument '${key}'`);
  }
  const positionalLimit = rest.length === 1;
  if (positionalLimit && kwargs.limit !== undefined)
    throw invalid('limit given both as positional and as keyword argument');
  const rawLimit = positionalLimit ? rest[0] : kwargs.limit;
  let limit: number | undefined;
  if (rawLimit !== undefined && rawLimit !== null) {
    if (typeof rawLimit !== 'number' || !Number.isSafeInteger(rawLimit) || rawLimit < 1) {
      throw invalid(`limit must be a positive integer, got ${JSON.stringify(rawLimit)}`);
    }
    if (rawLimit > maxLimit) throw invalid(`limit ${rawLimit} exceeds the ${maxLimit} events this history keeps`);
    limit = rawLimit;
  }
  const reverse = kwargs.reverse ?? positionalLimit;
  if (typeof reverse !== 'boolean') throw invalid('reverse must be a boolean');
  const topic = kwargs.topic;
  if (topic !== undefined && (typeof topic !== 'string' || !isValidUri(topic)))
    throw invalid('topic must be a valid URI');
  return {
    limit,
    reverse,
    fromTime: time(kwargs, 'from_time'),
    afterTime: time(kwargs, 'after_time'),
    beforeTime: time(kwargs, 'before_time'),
    untilTime: time(kwargs, 'until_time'),
    topic,
    fromPublication: publication(kwargs, 'from_publication'),
    afterPublication: publication(kwargs, 'after_publication'),
    beforePublication: publication(kwargs, 'before_publication'),
    untilPublication: publication(kwargs, 'until_publication'),
  };
}

function time(kwargs: Dict, key: string): number | undefined {
  const value = kwargs[key];
  if (value === undefined) return undefined;
  const ms = typeof value === 'string' && RFC3339.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw invalid(`${key} must be an RFC 3339 timestamp string`);
  return ms;
}

function publication(kwargs: Dict, key: string): Id | undefined {
  const value = kwargs[key];
  if (value === undefined) return undefined;
  if (!isValidId(value)) throw invalid(`${key} must be a publication ID`);
  return value;
}

/**
 * Applies a query to a subscription's visible events (oldest first) and renders the result the
 * spec shows: `{timestamp, subscription, publication, details, args?, kwargs?}` per event, the
 * timestamp in RFC 3339 with milliseconds. All conditions hold together (logical AND).
 *
 * @throws ApplicationError `wamp.error.invalid_argument` when a `*_publication` argument names
 *   an event that is not in the history (publication IDs are random, so an event that is not
 *   there cannot be placed in time).
 */
export function runHistoryQuery(
  events: readonly StoredEvent[],
  query: HistoryQuery,
  subscription: Id,
  options: { readsBarePassthru?: boolean } = {},
): Dict[] {
  // Publication bounds, as indexes into the events in order of occurrence.
  let first = 0;
  let last = events.length - 1;
  const indexOf = (id: Id, key: string): number => {
    const index = events.findIndex((event) => event.publication === id);
    if (index === -1) throw invalid(`${key} ${id} is not in the history of subscription ${subscription}`);
    return index;
  };
  if (query.fromPublication !== undefined) first = Math.max(first, indexOf(query.fromPublication, 'from_publication'));
  if (query.afterPublication !== undefined)
    first = Math.max(first, indexOf(query.afterPublication, 'after_publication') + 1);
  if (query.untilPublication !== undefined) last = Math.min(last, indexOf(query.untilPublication, 'until_publication'));
  if (query.beforePublication !== undefined)
    last = Math.min(last, indexOf(query.beforePublication, 'before_publication') - 1);

  const selected: StoredEvent[] = [];
  for (let i = first; i <= last; i++) {
    const event = events[i] as StoredEvent;
    if (query.fromTime !== undefined && !(event.time >= query.fromTime)) continue;
    if (query.afterTime !== undefined && !(event.time > query.afterTime)) continue;
    if (query.beforeTime !== undefined && !(event.time < query.beforeTime)) continue;
    if (query.untilTime !== undefined && !(event.time <= query.untilTime)) continue;
    if (query.topic !== undefined && event.topic !== query.topic) continue;
    selected.push(event);
  }
  if (query.reverse) selected.reverse();
  const page = query.limit === undefined ? selected : selected.slice(0, query.limit);
  const bare = options.readsBarePassthru === true;
  return page.map((event) => render(event, subscription, bare));
}

/**
 * One event as the caller reads it. A caller of the earlier "payload transparency" (passthru.ts)
 * gets a passthru event as it would have got it live: the payload in `payload`, with `enc_algo`,
 * the form an event published by such a client is kept in.
 */
function render(event: StoredEvent, subscription: Id, readsBare: boolean): Dict {
  const bare = readsBare ? barePassthruPayload(event.details, event.payload) : undefined;
  const out: Dict = {
    timestamp: new Date(event.time).toISOString(),
    subscription,
    publication: event.publication,
    details: bare === undefined ? event.details : bareDetails(event.details),
  };
  if (bare !== undefined) {
    out.payload = bare;
    return out;
  }
  if (event.payload.args != null) out.args = event.payload.args;
  if (event.payload.kwargs != null) out.kwargs = event.payload.kwargs;
  if (event.payload.payload != null) out.payload = event.payload.payload;
  return out;
}
