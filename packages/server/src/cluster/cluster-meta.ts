import { ApplicationError, type Dict, ErrorUri, type Id } from '@interchange/protocol';
import {
  NO_SUCH_SESSION,
  type Realm,
  type RealmMember,
  type RouterProcedureCall,
  type RouterProcedureHandler,
  type RouterProcedureOutcome,
  type RouterProcedureResult,
  runRouterProcedure,
} from '@interchange/router';
import type { ClusterContext } from './cluster-context.js';
import { subjectToken } from './subject-tokens.js';

/**
 * How the answers of the nodes make one answer: counts add up (`sum`), lists join (`concat`,
 * `lists` for lists by match policy, `concat-or-null` for a list that is null when empty), the
 * node that holds the thing asked for answers (`one`), or the first node that knows it (`first`,
 * this node's own answer preferred).
 */
type Combine = 'sum' | 'concat' | 'lists' | 'concat-or-null' | 'one' | 'first';

/**
 * The meta procedures answered for the whole cluster: the session meta API (advanced profile
 * "Session Meta API") and the subscription meta API ("Subscription Meta API"). Subscriptions are
 * per node: each node's broker names the subscription of a topic by its own ID, so a topic
 * subscribed on two nodes is listed under two IDs (see docs/scaling.md).
 */
const CLUSTER_WIDE: Readonly<Record<string, Combine>> = {
  'wamp.session.count': 'sum',
  'wamp.session.list': 'concat',
  'wamp.session.get': 'one',
  'wamp.session.kill': 'one',
  'wamp.session.kill_by_authid': 'concat',
  'wamp.session.kill_by_authrole': 'sum',
  'wamp.session.kill_all': 'sum',
  'wamp.subscription.list': 'lists',
  'wamp.subscription.lookup': 'first',
  'wamp.subscription.match': 'concat-or-null',
  'wamp.subscription.get': 'one',
};

/** The error a node answers when it does not hold what a `one` procedure names. */
const NOT_HERE: Readonly<Record<string, string>> = {
  'wamp.subscription.get': ErrorUri.NO_SUCH_SUBSCRIPTION,
};

/**
 * Subscribers of a subscription, counted or listed on every node: each node answers for its
 * own subscription of the same topic and match policy.
 */
const SUBSCRIBERS: Readonly<Record<string, 'sum' | 'concat'>> = {
  'wamp.subscription.list_subscribers': 'concat',
  'wamp.subscription.count_subscribers': 'sum',
};

/** The internal request of {@link SUBSCRIBERS}: this node's subscribers of a topic and match policy. */
const SUBSCRIBERS_OF = 'interchange.cluster.subscribers_of';

/**
 * Meta API answers for the whole cluster, by scatter-gather (docs/scaling.md): the calling
 * node runs its own handler and asks every other live node to run theirs (on
 * `<prefix>.meta.<realm>`), then combines the answers. A node that does not answer within the
 * scatter timeout is left out of the answer.
 */
export class ClusterMeta {
  readonly #context: ClusterContext;
  readonly #subject: string;
  readonly #local = new Map<string, RouterProcedureHandler>();
  readonly #stop: () => void;
  readonly #realm: Realm;

  constructor(context: ClusterContext, realm: Realm) {
    this.#context = context;
    this.#realm = realm;
    this.#subject = `${context.prefix}.meta.${subjectToken(realm.name)}`;
    for (const uri of Object.keys(CLUSTER_WIDE)) {
      if (realm.procedures.get(uri) === undefined) continue;
      realm.procedures.wrap(uri, (local) => {
        this.#local.set(uri, local);
        return (call) => this.#clusterWide(uri, call);
      });
    }
    for (const [uri, how] of Object.entries(SUBSCRIBERS)) {
      if (realm.procedures.get(uri) === undefined) continue;
      realm.procedures.wrap(uri, () => (call) => this.#subscribers(how, call));
    }
    this.#stop = context.serve(this.#subject, (request) => this.#answer(request));
  }

  close(): void {
    this.#stop();
  }

  async #clusterWide(uri: string, call: RouterProcedureCall): Promise<RouterProcedureResult> {
    const local = this.#local.get(uri) as RouterProcedureHandler;
    const { caller } = call;
    const [own, remote] = await Promise.all([
      runRouterProcedure(local, call),
      this.#context.scatter(this.#subject, {
        u: uri,
        a: call.args,
        k: call.kwargs,
        c: [caller.id, caller.authid, caller.authrole],
      }),
    ]);
    const outcomes = [own, ...remote.map(readOutcome)];
    return combine(CLUSTER_WIDE[uri] as Combine, outcomes, NOT_HERE[uri] ?? NO_SUCH_SESSION);
  }

  /**
   * `list_subscribers` and `count_subscribers`: the subscription named (on whichever node holds
   * it, checked there as `get` checks it) gives the topic and match policy; every node then
   * answers with its own subscribers of that topic.
   */
  async #subscribers(how: 'sum' | 'concat', call: RouterProcedureCall): Promise<RouterProcedureResult> {
    const name = how === 'sum' ? 'wamp.subscription.count_subscribers' : 'wamp.subscription.list_subscribers';
    if (call.args.length > 1)
      throw new ApplicationError(ErrorUri.INVALID_ARGUMENT, { args: [`${name} takes one argument`] });
    const id = call.args[0] ?? call.kwargs.subscription_id;
    const found = await this.#clusterWide('wamp.subscription.get', { ...call, args: [id], kwargs: {} });
    const details = found?.args?.[0] as { uri?: unknown; match?: unknown } | undefined;
    const query = { caller: call.caller, args: [details?.uri, details?.match], kwargs: {}, options: {} };
    const [own, remote] = await Promise.all([
      this.#subscribersOf(query.args),
      this.#context.scatter(this.#subject, { u: SUBSCRIBERS_OF, a: query.args, k: {}, c: [call.caller.id, '', ''] }),
    ]);
    const lists = [own, ...remote.map((answer) => (Array.isArray(answer.args) ? answer.args[0] : []))];
    const ids = lists.flatMap((list) => (Array.isArray(list) ? list : []));
    return { args: [how === 'sum' ? ids.length : ids] };
  }

  /** This node's subscribers of a topic and match policy (`args`: `[uri, match]`). */
  #subscribersOf(args: readonly unknown[]): Id[] {
    const [uri, match] = args;
    if (typeof uri !== 'string' || typeof match !== 'string') return [];
    const subscription = this.#realm.broker.lookup(uri, match as Parameters<Realm['broker']['lookup']>[1]);
    return subscription === undefined ? [] : [...subscription.subscribers].map((session) => session.id);
  }

  /** Runs this node's own handler for another node's request. */
  async #answer(request: Record<string, unknown>): Promise<object> {
    if (request.u === SUBSCRIBERS_OF) {
      return { ok: true, args: [this.#subscribersOf(Array.isArray(request.a) ? request.a : [])] };
    }
    const local = typeof request.u === 'string' ? this.#local.get(request.u) : undefined;
    const c = Array.isArray(request.c) ? request.c : [];
    if (local === undefined || typeof c[0] !== 'number') {
      return { ok: false, error: ErrorUri.INVALID_ARGUMENT, args: ['unknown cluster meta request'], kwargs: {} };
    }
    // The caller lives on another node: only its identity matters to the meta procedures.
    const caller = { id: c[0] as Id, authid: String(c[1]), authrole: String(c[2]) } as RealmMember;
    const args = Array.isArray(request.a) ? request.a : [];
    const kwargs = typeof request.k === 'object' && request.k !== null ? (request.k as Dict) : {};
    const outcome = await runRouterProcedure(local, { caller, args, kwargs, options: {} });
    return outcome.ok ? { ok: true, args: outcome.result?.args ?? [] } : outcome;
  }
}

function readOutcome(answer: Record<string, unknown>): RouterProcedureOutcome {
  if (answer.ok === true) return { ok: true, result: { args: Array.isArray(answer.args) ? answer.args : [] } };
  return {
    ok: false,
    error: typeof answer.error === 'string' ? answer.error : ErrorUri.RUNTIME_ERROR,
    args: Array.isArray(answer.args) ? answer.args : [],
    kwargs: typeof answer.kwargs === 'object' && answer.kwargs !== null ? (answer.kwargs as Dict) : {},
  };
}

/**
 * One answer from the nodes' answers. An error other than `notHere` ("no such session" or "no
 * such subscription": bad arguments, not authorized) is the same on every node: this node's is
 * the answer. A `one` or `lists` answer that no node had is `notHere`.
 */
function combine(how: Combine, outcomes: RouterProcedureOutcome[], notHere: string): RouterProcedureResult {
  const [own] = outcomes;
  if (own !== undefined && !own.ok && own.error !== notHere) {
    throw new ApplicationError(own.error, { args: own.args, kwargs: own.kwargs });
  }
  const ok = outcomes.filter((o): o is Extract<RouterProcedureOutcome, { ok: true }> => o.ok);
  if (how === 'one' || (how === 'lists' && ok.length === 0)) {
    const found = ok[0];
    if (found !== undefined) return found.result;
    // Another node's refusal (e.g. not authorized to inspect a protected subscription) comes first.
    const refusal = outcomes.find((o) => !o.ok && o.error !== notHere);
    if (refusal !== undefined && !refusal.ok) {
      throw new ApplicationError(refusal.error, { args: refusal.args, kwargs: refusal.kwargs });
    }
    throw new ApplicationError(notHere, { args: ['it exists on no node of this cluster'] });
  }
  const firsts = ok.map((o) => o.result?.args?.[0]);
  if (how === 'sum') return { args: [firsts.reduce((sum: number, n) => sum + (typeof n === 'number' ? n : 0), 0)] };
  if (how === 'first') return { args: [firsts.find((id) => id !== null && id !== undefined) ?? null] };
  if (how === 'lists') {
    const lists: Record<string, unknown[]> = { exact: [], prefix: [], wildcard: [] };
    for (const answer of firsts) {
      if (typeof answer !== 'object' || answer === null) continue;
      for (const [match, ids] of Object.entries(answer)) {
        if (Array.isArray(ids) && Array.isArray(lists[match])) lists[match].push(...ids);
      }
    }
    // The subscription of an event history has the same ID on every node (history-stream.ts).
    for (const match of Object.keys(lists)) lists[match] = [...new Set(lists[match])];
    return { args: [lists] };
  }
  const joined = firsts.flatMap((list) => (Array.isArray(list) ? list : []));
  if (how === 'concat-or-null') return { args: [joined.length === 0 ? null : [...new Set(joined)]] };
  return { args: [joined] };
}
