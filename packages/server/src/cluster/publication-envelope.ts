import type { Dict, Id, Payload } from '@interchange/protocol';
import type { FilterSubject } from '@interchange/router';

/**
 * A publication's cluster envelope, read: what cluster-pubsub.ts sends over NATS for each
 * publication (`n` node, `r` realm, `i` ID, `t` topic, `o` options, `p` publisher as
 * `[session, authid, authrole]`, `a`/`k`/`y` payload), and what the history stream keeps
 * (cluster-history.ts). A meta event of the router (`m: true`) has no publisher and no options.
 */
export interface ReceivedPublication {
  readonly node: string;
  readonly id: Id;
  readonly topic: string;
  readonly options: Dict;
  /** `undefined` for a meta event of the router. */
  readonly publisher: FilterSubject | undefined;
  readonly payload: Payload;
}

/** Reads a publication envelope of `realm`; `undefined` when it is not one. */
export function readPublication(
  e: Record<string, unknown> | undefined,
  realm: string,
): ReceivedPublication | undefined {
  if (e === undefined || typeof e.n !== 'string' || typeof e.t !== 'string' || e.r !== realm) return undefined;
  if (e.m === true) {
    if (!Array.isArray(e.a)) return undefined;
    return {
      node: e.n,
      id: typeof e.i === 'number' ? e.i : 0,
      topic: e.t,
      options: {},
      publisher: undefined,
      payload: { args: e.a },
    };
  }
  const publisher = e.p;
  if (typeof e.i !== 'number' || typeof e.o !== 'object' || e.o === null || !Array.isArray(publisher)) {
    return undefined;
  }
  const payload: Payload = {};
  if (Array.isArray(e.a)) payload.args = e.a;
  if (typeof e.k === 'object' && e.k !== null) payload.kwargs = e.k as Dict;
  if (e.y instanceof Uint8Array || typeof e.y === 'string') payload.payload = e.y;
  return {
    node: e.n,
    id: e.i,
    topic: e.t,
    options: e.o as Dict,
    publisher: { id: publisher[0] as Id, authid: String(publisher[1]), authrole: String(publisher[2]) },
    payload,
  };
}
