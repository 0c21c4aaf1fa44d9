/**
 * What a router link's two mirrors (link-subscriptions.ts, link-registrations.ts) share: the
 * watched router's subscription or registration as its meta API describes it, the
 * `forward_for` hop naming the session a message is forwarded for, and the test whether a
 * registration was made by a router link itself.
 */
import type { Session } from '@interchange/client';
import type { Dict } from '@interchange/protocol';

/** How router link sessions on this node authenticate, as `wamp.session.get` reports it. */
export const RLINK_AUTHMETHOD = 'rlink';

/** A subscription or registration of the watched router (meta API `get` / `on_create` details). */
export interface WatchedEntry {
  id: number;
  uri: string;
  match: 'exact' | 'prefix' | 'wildcard';
  /** Registrations only: the shared-registration policy. */
  invoke?: string;
}

const MATCHES = new Set(['exact', 'prefix', 'wildcard']);

/** Reads meta API details, or `undefined` when they are not what the meta API sends. */
export function watchedEntry(details: unknown): WatchedEntry | undefined {
  if (typeof details !== 'object' || details === null) return undefined;
  const { id, uri, match, invoke } = details as Dict;
  if (typeof id !== 'number' || typeof uri !== 'string') return undefined;
  const policy = typeof match === 'string' && MATCHES.has(match) ? (match as WatchedEntry['match']) : 'exact';
  return { id, uri, match: policy, ...(typeof invoke === 'string' ? { invoke } : {}) };
}

/** The IDs of `wamp.subscription.list` / `wamp.registration.list` (`{exact, prefix, wildcard}`). */
export function listedIds(listing: unknown): number[] {
  if (typeof listing !== 'object' || listing === null) return [];
  return Object.values(listing as Dict).flatMap((ids) =>
    Array.isArray(ids) ? ids.filter((id): id is number => typeof id === 'number') : [],
  );
}

/** One `forward_for` entry (spec: router-to-router links; packages/router/src/forward-for.ts). */
export interface ForwardHop {
  session: number;
  authid: string;
  authrole: string;
}

/**
 * The hop of a message received on `receiver`: the disclosed originator (`role` is `publisher`
 * or `caller`), else the receiving link session itself.
 */
export function hopOf(details: Dict, role: 'publisher' | 'caller', receiver: Session): ForwardHop {
  const session = details[role];
  const authid = details[`${role}_authid`];
  const authrole = details[`${role}_authrole`];
  if (typeof session === 'number' && typeof authid === 'string' && typeof authrole === 'string') {
    return { session, authid, authrole };
  }
  const own = receiver.details ?? {};
  // `receiver` just received the message, so it is joined and has its ID.
  return {
    session: receiver.id ?? 1,
    authid: typeof own['authid'] === 'string' ? own['authid'] : '',
    authrole: typeof own['authrole'] === 'string' ? own['authrole'] : '',
  };
}

/** Whether a message came over a router link already (its details carry `forward_for`). */
export function alreadyForwarded(details: Dict): boolean {
  return Array.isArray(details['forward_for']) && details['forward_for'].length > 0;
}

/**
 * Whether `sessionId` on `watched`'s router is a router link session: `watched` itself, or an
 * Interchange link's session on that router (authmethod {@link RLINK_AUTHMETHOD}). A
 * registration such a session holds is already a mirror and is not mirrored again, so a call
 * never lands on a link that has to refuse it as already forwarded.
 */
export async function isLinkSession(watched: Session, sessionId: unknown): Promise<boolean> {
  if (sessionId === watched.id) return true;
  if (typeof sessionId !== 'number') return false;
  try {
    const { args } = await watched.call('wamp.session.get', [sessionId]);
    const details = args[0];
    return typeof details === 'object' && details !== null && (details as Dict)['authmethod'] === RLINK_AUTHMETHOD;
  } catch {
    // Gone already, or the meta API is not allowed to this session: treat it as an ordinary one.
    return false;
  }
}
