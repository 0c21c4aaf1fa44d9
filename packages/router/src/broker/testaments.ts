import { type Dict, ErrorUri, type Id, isPassthru, type Payload, randomId } from '@interchange/protocol';
import type { Logger } from '../logger.js';
import {
  expectAtMost,
  expectKwargs,
  invalidArgument,
  metaError,
  positionalOrKeyword,
  readOptionalDict,
  readOptionalList,
  readString,
} from '../meta/meta-arguments.js';
import type { RouterProcedures } from '../meta/router-procedures.js';
import type { RealmMember } from '../realm/realm-member.js';
import type { Broker } from './broker.js';

/** When a testament is published (spec: "Session Testament", `scope`). */
export const TestamentScope = {
  DESTROYED: 'destroyed',
  DETACHED: 'detached',
} as const;
/** One of `'destroyed' | 'detached'`. */
export type TestamentScopeValue = (typeof TestamentScope)[keyof typeof TestamentScope];

/** Crossbar's error for a bad testament scope (service.py `session_add_testament`); the spec names none. */
export const TESTAMENT_ERROR = ErrorUri.TESTAMENT_ERROR;

/**
 * How many testaments a session may hold per scope. The spec sets no bound ("A Client MUST be
 * able to set multiple testaments per-scope"); one keeps a session from growing router memory
 * without end.
 */
export const MAX_TESTAMENTS_PER_SCOPE = 100;

/** A publication filed to happen when its session ends. */
interface Testament {
  readonly topic: string;
  readonly options: Dict;
  readonly payload: Payload;
  /** The publication ID, drawn when filed and returned to the client, so it can recognise the events. */
  readonly publication: Id;
}

/**
 * The testaments of a realm's sessions (advanced profile "Session Testament"), in two buckets
 * per session, `detached` and `destroyed`, each in the order filed.
 *
 * This router has no session resumption, so a session is never detached without being
 * destroyed: when it ends (GOODBYE either way, kill, ABORT, or a lost transport), its
 * `detached` testaments are published and then its `destroyed` ones (spec: "A Router that does
 * not allow Session Resumption MUST send `detached`-scope Testaments before `destroyed`-scope
 * Testaments"). The two buckets still exist apart so that `flush_testaments` clears just one
 * (spec: "it MUST still use these two separate buckets").
 */
export class Testaments {
  readonly #broker: Broker;
  readonly #logger: Logger;
  readonly #bySession = new Map<RealmMember, Record<TestamentScopeValue, Testament[]>>();

  constructor(broker: Broker, logger: Logger) {
    this.#broker = broker;
    this.#logger = logger;
  }

  /** Number of testaments a session holds in a scope. */
  count(session: RealmMember, scope: TestamentScopeValue): number {
    return this.#bySession.get(session)?.[scope].length ?? 0;
  }

  /** Files a testament; returns its publication ID. */
  add(session: RealmMember, scope: TestamentScopeValue, testament: Omit<Testament, 'publication'>): Id {
    let buckets = this.#bySession.get(session);
    if (buckets === undefined) {
      buckets = { detached: [], destroyed: [] };
      this.#bySession.set(session, buckets);
    }
    if (buckets[scope].length >= MAX_TESTAMENTS_PER_SCOPE) {
      throw metaError(TESTAMENT_ERROR, `a session may hold at most ${MAX_TESTAMENTS_PER_SCOPE} testaments per scope`);
    }
    const publication = randomId();
    buckets[scope].push({ ...testament, publication });
    return publication;
  }

  /** Removes a session's testaments of one scope; returns how many there were. */
  flush(session: RealmMember, scope: TestamentScopeValue): number {
    const buckets = this.#bySession.get(session);
    if (buckets === undefined) return 0;
    const flushed = buckets[scope].length;
    buckets[scope] = [];
    return flushed;
  }

  /**
   * Publishes the testaments of a session that ended, `detached` first, as the session would
   * have published them: with its identity for `disclose_me` and its role's permissions.
   */
  publish(session: RealmMember): void {
    const buckets = this.#bySession.get(session);
    if (buckets === undefined) return;
    this.#bySession.delete(session);
    for (const testament of [...buckets.detached, ...buckets.destroyed]) {
      const outcome = this.#broker.publishAs(
        session,
        testament.topic,
        testament.options,
        testament.payload,
        testament.publication,
      );
      if (typeof outcome !== 'number') {
        this.#logger.warn(
          { session: session.id, topic: testament.topic, error: outcome.error },
          'testament not published',
        );
      }
    }
  }

  /** Forgets a session's testaments without publishing them. */
  discard(session: RealmMember): void {
    this.#bySession.delete(session);
  }
}

function readScope(value: unknown): TestamentScopeValue {
  if (value === undefined || value === null) return TestamentScope.DESTROYED;
  if (value !== TestamentScope.DESTROYED && value !== TestamentScope.DETACHED) {
    throw metaError(TESTAMENT_ERROR, 'scope must be destroyed or detached');
  }
  return value;
}

/**
 * Installs the testament meta API (`wamp.session.add_testament`, `wamp.session.flush_testaments`;
 * spec "Session Testament", "Testament Meta Procedures"), with Crossbar's calling conventions:
 * `publish_options` and `scope` by keyword or as 4th and 5th positional argument, the
 * publication ID as the result of `add_testament`, and the number of removed testaments as the
 * result of `flush_testaments` (crossbar/router/service.py).
 *
 * A testament is checked as its publication will be, when it is filed: the caller hears at once
 * of an invalid or reserved topic (`invalid_uri`), a topic its role may not publish to
 * (`not_authorized`), or malformed black- and whitelisting (`invalid_argument`). Options that
 * make no sense for a session that is gone are dropped, as Crossbar does: `acknowledge` and
 * `exclude_me`.
 */
export function installTestamentMetaApi(procedures: RouterProcedures, broker: Broker, testaments: Testaments): void {
  procedures.register('wamp.session.add_testament', ({ caller, args, kwargs }) => {
    const name = 'wamp.session.add_testament';
    expectAtMost(args, 5, name);
    expectKwargs(kwargs, ['publish_options', 'scope'], name);
    const topic = readString(args[0], 'topic');
    const eventArgs = readOptionalList(args[1], 'args');
    const eventKwargs = args[2] === undefined || args[2] === null ? undefined : readOptionalDict(args[2], 'kwargs');
    const {
      acknowledge: _acknowledge,
      exclude_me: _excludeMe,
      ...options
    } = readOptionalDict(positionalOrKeyword(args, 3, kwargs, 'publish_options', name), 'publish_options');
    const scope = readScope(positionalOrKeyword(args, 4, kwargs, 'scope', name));
    // The payload of a testament is args and kwargs; a passthru payload cannot be filed this way.
    if (isPassthru(options))
      throw invalidArgument('publish_options cannot select payload passthru mode for a testament');
    const refusal = broker.checkPublication(caller, topic, options);
    if (refusal !== undefined) throw metaError(refusal.error, refusal.message);
    const payload: Payload = {};
    if (eventArgs !== undefined) payload.args = eventArgs;
    if (eventKwargs !== undefined) payload.kwargs = eventKwargs;
    return { args: [testaments.add(caller, scope, { topic, options, payload })] };
  });

  procedures.register('wamp.session.flush_testaments', ({ caller, args, kwargs }) => {
    const name = 'wamp.session.flush_testaments';
    expectAtMost(args, 1, name);
    expectKwargs(kwargs, ['scope'], name);
    const scope = readScope(positionalOrKeyword(args, 0, kwargs, 'scope', name));
    return { args: [testaments.flush(caller, scope)] };
  });
}
