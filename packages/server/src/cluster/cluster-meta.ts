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

/** How the answers of the nodes make one answer. */
type Combine = 'sum' | 'concat' | 'one';

/**
 * The session meta procedures answered for the whole cluster (advanced profile "Session Meta
 * API"): counts add up, lists join, and a lookup or kill by session ID is answered by the node
 * that holds the session.
 */
const CLUSTER_WIDE: Readonly<Record<string, Combine>> = {
  'wamp.session.count': 'sum',
  'wamp.session.list': 'concat',
  'wamp.session.get': 'one',
  'wamp.session.kill': 'one',
  'wamp.session.kill_by_authid': 'concat',
  'wamp.session.kill_by_authrole': 'sum',
  'wamp.session.kill_all': 'sum',
};

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

  constructor(context: ClusterContext, realm: Realm) {
    this.#context = context;
    this.#subject = `${context.prefix}.meta.${subjectToken(realm.name)}`;
    for (const uri of Object.keys(CLUSTER_WIDE)) {
      if (realm.procedures.get(uri) === undefined) continue;
      realm.procedures.wrap(uri, (local) => {
        this.#local.set(uri, local);
        return (call) => this.#clusterWide(uri, call);
      });
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
    return combine(CLUSTER_WIDE[uri] as Combine, outcomes);
  }

  /** Runs this node's own handler for another node's request. */
  async #answer(request: Record<string, unknown>): Promise<object> {
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
 * One answer from the nodes' answers. An error other than "no such session" (bad arguments)
 * is the same on every node: this node's is the answer.
 */
function combine(how: Combine, outcomes: RouterProcedureOutcome[]): RouterProcedureResult {
  const [own] = outcomes;
  if (own !== undefined && !own.ok && own.error !== NO_SUCH_SESSION) {
    throw new ApplicationError(own.error, { args: own.args, kwargs: own.kwargs });
  }
  const ok = outcomes.filter((o): o is Extract<RouterProcedureOutcome, { ok: true }> => o.ok);
  if (how === 'one') {
    const found = ok[0];
    if (found !== undefined) return found.result;
    throw new ApplicationError(NO_SUCH_SESSION, { args: ['no such session exists in this cluster'] });
  }
  const firsts = ok.map((o) => o.result?.args?.[0]);
  if (how === 'sum') return { args: [firsts.reduce((sum: number, n) => sum + (typeof n === 'number' ? n : 0), 0)] };
  return { args: [firsts.flatMap((list) => (Array.isArray(list) ? list : []))] };
}
