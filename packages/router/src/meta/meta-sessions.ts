import { type Dict, ErrorUri, type Id, isValidUri } from '@interchange/protocol';
import type { RealmMember } from '../realm/realm-member.js';
import type { Peer } from '../session/peer.js';
import {
  expectAtMost,
  expectKwargs,
  invalidArgument,
  metaError,
  NO_SUCH_SESSION,
  noSuchSession,
  onlyArgument,
  positionalOrKeyword,
  readId,
  readOptionalStringList,
  readString,
} from './meta-arguments.js';
import type { RouterProcedures } from './router-procedures.js';

/** The close reason of a killed session when the caller gives none (spec: "wamp.session.kill"). */
export const KILLED_REASON = ErrorUri.KILLED;

/**
 * A session attached to a realm, as the session meta API sees it: its identity, its transport,
 * and a way to close it. `RouterSession` implements it.
 */
export interface JoinedSession extends RealmMember {
  readonly authmethod: string;
  /** Who authenticated the session (spec: "Authentication": `authprovider`), `static` for the static config. */
  readonly authprovider: string;
  readonly peer: Pick<Peer, 'info' | 'meterTraffic'>;
  /** When the session joined the realm, in milliseconds since the epoch. */
  readonly joinedAt: number;
  /** Sends GOODBYE with this reason (and message) and leaves the realm at once. */
  goodbye(reason: string, message?: string): void;
}

/**
 * The `details` of `wamp.session.on_join` and `wamp.session.get` (spec: "Session Meta API").
 * `transport` carries the transport type, serializer and peer address, not the HTTP headers of
 * the opening handshake, which may hold cookies and credentials of the session. `joined`
 * (an Interchange addition, a key the spec and Crossbar do not use) is when the session joined,
 * as an ISO-8601 UTC string, for the dashboard (packages/server/src/web/dashboard-page.ts).
 */
export function sessionDetails(session: JoinedSession): Dict {
  const { type, serializer, peer } = session.peer.info;
  return {
    session: session.id,
    authid: session.authid,
    authrole: session.authrole,
    authmethod: session.authmethod,
    authprovider: session.authprovider,
    transport: { type, serializer, peer },
    joined: new Date(session.joinedAt).toISOString(),
  };
}

/** What the session meta API needs from its realm. */
export interface SessionMetaContext {
  readonly procedures: RouterProcedures;
  session(id: Id): JoinedSession | undefined;
  sessions(): Iterable<JoinedSession>;
  /**
   * Closes sessions without the meta events and testaments of their leaving (spec:
   * "wamp.session.kill_all": "will not generate session meta events or testament events").
   */
  killSilently(sessions: readonly JoinedSession[], reason: string, message: string | undefined): void;
}

/**
 * Reads the optional `reason` and `message` of the kill procedures: keyword arguments (spec:
 * "Keyword arguments"), or positional ones after the target, as Crossbar takes them
 * (`kill(session, reason, message)`), since Crossbar-era callers pass them that way.
 * `first` is the position of `reason` when given positionally.
 */
function readCloseArguments(
  args: readonly unknown[],
  first: number,
  kwargs: Dict,
  procedure: string,
): { reason: string; message: string | undefined } {
  expectAtMost(args, first + 2, procedure);
  expectKwargs(kwargs, ['reason', 'message'], procedure);
  const reason = positionalOrKeyword(args, first, kwargs, 'reason', procedure);
  const message = positionalOrKeyword(args, first + 1, kwargs, 'message', procedure);
  if (reason !== undefined && reason !== null && (typeof reason !== 'string' || !isValidUri(reason))) {
    // Spec: "wamp.error.invalid_uri - A reason keyword argument has a value that is not a valid non-empty URI."
    throw metaError(ErrorUri.INVALID_URI, `reason must be a valid non-empty URI, got ${JSON.stringify(reason)}`);
  }
  if (message !== undefined && message !== null && typeof message !== 'string')
    throw invalidArgument('message must be a string');
  return {
    reason: (reason as string | null | undefined) ?? KILLED_REASON,
    message: (message as string | null | undefined) ?? undefined,
  };
}

/**
 * Installs the procedures of the session meta API on a realm (advanced profile "Session Meta
 * API", "Procedures"): `count`, `list`, `get`, `kill`, `kill_by_authid`, `kill_by_authrole`,
 * `kill_all`. Who may call them is decided before they run, by the realm's permissions for
 * `call` on their URIs, like any other call.
 *
 * The kill procedures never close the calling session: `kill` of one's own ID is an unknown
 * session, and the others leave the caller out (spec: "the caller's session is excluded").
 */
export function installSessionMetaApi(context: SessionMetaContext): void {
  const { procedures } = context;

  /** The sessions whose authrole is in the filter, all without one (spec: `filter_authroles`). */
  const filtered = (args: readonly unknown[], kwargs: Dict, procedure: string): JoinedSession[] => {
    expectAtMost(args, 1, procedure);
    expectKwargs(kwargs, ['filter_authroles'], procedure);
    const roles = readOptionalStringList(
      positionalOrKeyword(args, 0, kwargs, 'filter_authroles', procedure),
      'filter_authroles',
    );
    const all = [...context.sessions()];
    return roles === undefined ? all : all.filter((session) => roles.includes(session.authrole));
  };

  procedures.register('wamp.session.count', ({ args, kwargs }) => ({
    args: [filtered(args, kwargs, 'wamp.session.count').length],
  }));

  procedures.register('wamp.session.list', ({ args, kwargs }) => ({
    args: [filtered(args, kwargs, 'wamp.session.list').map((session) => session.id)],
  }));

  procedures.register('wamp.session.get', ({ args, kwargs }) => {
    const id = readId(onlyArgument(args, kwargs, 'session_id', 'wamp.session.get'), 'session');
    const session = context.session(id);
    if (session === undefined) throw noSuchSession(id);
    return { args: [sessionDetails(session)] };
  });

  procedures.register('wamp.session.kill', ({ caller, args, kwargs }) => {
    const id = readId(args[0], 'session');
    const { reason, message } = readCloseArguments(args, 1, kwargs, 'wamp.session.kill');
    const session = context.session(id);
    // Spec: "Specifying the caller's own session will result in a wamp.error.no_such_session".
    if (session === undefined || session.id === caller.id) {
      throw metaError(NO_SUCH_SESSION, `no other session with ID ${id} exists on this router`);
    }
    session.goodbye(reason, message);
    return undefined;
  });

  procedures.register('wamp.session.kill_by_authid', ({ caller, args, kwargs }) => {
    const authid = readString(args[0], 'authid');
    const { reason, message } = readCloseArguments(args, 1, kwargs, 'wamp.session.kill_by_authid');
    const targets = [...context.sessions()].filter((session) => session.authid === authid && session.id !== caller.id);
    for (const session of targets) session.goodbye(reason, message);
    // Spec: "Positional results: sessions|list - The list of WAMP session IDs of session that were killed."
    return { args: [targets.map((session) => session.id)] };
  });

  procedures.register('wamp.session.kill_by_authrole', ({ caller, args, kwargs }) => {
    const authrole = readString(args[0], 'authrole');
    const { reason, message } = readCloseArguments(args, 1, kwargs, 'wamp.session.kill_by_authrole');
    const targets = [...context.sessions()].filter(
      (session) => session.authrole === authrole && session.id !== caller.id,
    );
    for (const session of targets) session.goodbye(reason, message);
    // Spec: "Positional results: count|int - The number of sessions closed by this meta procedure."
    return { args: [targets.length] };
  });

  procedures.register('wamp.session.kill_all', ({ caller, args, kwargs }) => {
    const { reason, message } = readCloseArguments(args, 0, kwargs, 'wamp.session.kill_all');
    const targets = [...context.sessions()].filter((session) => session.id !== caller.id);
    context.killSilently(targets, reason, message);
    return { args: [targets.length] };
  });
}
