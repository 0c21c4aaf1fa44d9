/**
 * How retained events and history entries are written into the LMDB realm store: MessagePack
 * (msgpackr, the codec lmdb itself defaults to), one record per history event and one per
 * retained topic. A receiver filter is a compiled function, so its source lists (the
 * `eligible*`/`exclude*` options of the PUBLISH) are written instead and compiled again when the
 * store is read.
 */
import type { Dict, Id, Payload } from '@interchange/protocol';
import { compileReceiverFilter, type ReceiverFilter, type RetainedEvent, type StoredEvent } from '@interchange/router';
import { Packr, Unpackr } from 'msgpackr';

const LIST_KEYS = [
  'eligible',
  'eligible_authid',
  'eligible_authrole',
  'exclude',
  'exclude_authid',
  'exclude_authrole',
] as const;

const packr = new Packr({ useRecords: false, variableMapSize: true, useFloat32: 0 });
// 'auto': 64-bit integers come back as numbers when exact, as the WAMP msgpack codec reads them
// (packages/protocol/src/serializer-msgpack.ts); missing from msgpackr's type declarations.
const unpackr = new Unpackr({
  useRecords: false,
  mapsAsObjects: true,
  copyBuffers: true,
  int64AsType: 'auto',
} as unknown as ConstructorParameters<typeof Unpackr>[0]);

/** One history event as written: the history's key (its entry), then the event. */
export interface HistoryRecord {
  readonly history: string;
  readonly event: StoredEvent;
}

/** The filter lists of a publication's options, or `undefined` without any. */
function listsOf(options: Dict | undefined): Dict | undefined {
  if (options === undefined) return undefined;
  let lists: Dict | undefined;
  for (const key of LIST_KEYS) {
    if (options[key] === undefined) continue;
    lists ??= {};
    lists[key] = options[key];
  }
  return lists;
}

function filterOf(lists: unknown): ReceiverFilter | undefined {
  if (lists === undefined || lists === null) return undefined;
  if (typeof lists !== 'object') throw new TypeError('filter lists are not a map');
  const compiled = compileReceiverFilter(lists as Dict);
  if (!compiled.ok) throw new TypeError(compiled.message);
  return compiled.filter;
}

/** Only the payload fields: the object passed may be the whole PUBLISH message. */
function payloadFields(payload: Payload): Payload {
  const out: Payload = {};
  if (payload.args !== undefined) out.args = payload.args;
  if (payload.kwargs !== undefined) out.kwargs = payload.kwargs;
  if (payload.payload !== undefined) out.payload = payload.payload;
  return out;
}

function payloadOf(value: unknown): Payload {
  if (typeof value !== 'object' || value === null) throw new TypeError('payload is not a map');
  return value as Payload;
}

function dictOf(value: unknown, what: string): Dict {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`${what} is not a map`);
  return value as Dict;
}

/** Encodes one history event of the history keyed `history`. */
export function encodeHistoryRecord(history: string, event: StoredEvent): Uint8Array {
  return packr.pack([
    history,
    event.time,
    event.publication,
    event.topic,
    event.details,
    payloadFields(event.payload),
    listsOf(event.options),
  ]);
}

/**
 * Decodes a history record.
 * @throws TypeError for bytes that are not one (a damaged or foreign store).
 */
export function decodeHistoryRecord(bytes: Uint8Array): HistoryRecord {
  const value: unknown = unpackr.unpack(bytes);
  if (!Array.isArray(value) || value.length !== 7) throw new TypeError('not a history record');
  const [history, time, publication, topic, details, payload, lists] = value as unknown[];
  if (typeof history !== 'string' || typeof time !== 'number' || typeof publication !== 'number')
    throw new TypeError('malformed history record');
  if (typeof topic !== 'string') throw new TypeError('malformed history record topic');
  const filter = filterOf(lists);
  const event: StoredEvent = {
    time,
    publication: publication as Id,
    topic,
    details: dictOf(details, 'details'),
    payload: payloadOf(payload),
    filter,
    options: filter === undefined ? undefined : (lists as Dict),
  };
  return { history, event };
}

/** Encodes the retained events of one topic, oldest first, numbered by the store's sequence. */
export function encodeRetainedRecord(seq: number, events: readonly RetainedEvent[]): Uint8Array {
  return packr.pack([
    seq,
    events.map((event) => {
      const item = [
        event.publisherId,
        event.excludeMe,
        event.details,
        payloadFields(event.payload),
        listsOf(event.options),
      ];
      // A sixth field only when set, so records without it read as before.
      if (event.acknowledged === true) item.push(true);
      return item;
    }),
  ]);
}

/**
 * Decodes a retained topic's record.
 * @throws TypeError for bytes that are not one.
 */
export function decodeRetainedRecord(topic: string, bytes: Uint8Array): { seq: number; events: RetainedEvent[] } {
  const value: unknown = unpackr.unpack(bytes);
  if (!Array.isArray(value) || value.length !== 2) throw new TypeError('not a retained record');
  const [seq, list] = value as unknown[];
  if (typeof seq !== 'number' || !Array.isArray(list)) throw new TypeError('malformed retained record');
  const events = list.map((item: unknown): RetainedEvent => {
    if (!Array.isArray(item) || (item.length !== 5 && item.length !== 6))
      throw new TypeError('malformed retained event');
    const [publisherId, excludeMe, details, payload, lists, acknowledged] = item as unknown[];
    if (typeof publisherId !== 'number' || typeof excludeMe !== 'boolean')
      throw new TypeError('malformed retained event');
    const filter = filterOf(lists);
    return {
      topic,
      publisherId: publisherId as Id,
      excludeMe,
      filter,
      options: filter === undefined ? undefined : (lists as Dict),
      details: dictOf(details, 'details'),
      payload: payloadOf(payload),
      ...(acknowledged === true ? { acknowledged: true as const } : {}),
    };
  });
  return { seq, events };
}
