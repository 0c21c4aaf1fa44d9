import { ErrorUri, type MatchPolicyValue } from '@interchange/protocol';
import {
  type Callee,
  type Dealer,
  forceReregisterRefusal,
  type RealmMember,
  type RegistrationAdmission,
  type RegistrationDetails,
  type RegistrationRequest,
} from '@interchange/router';
import type { ClusterContext } from './cluster-context.js';
import type { InvocationRelay } from './invocation-relay.js';
import { type Claim, type ClaimDecision, type ClaimHolder, claimKey } from './registration-claims.js';
import { entryOf, registrationKey } from './registration-entry.js';
import { RemoteCallee } from './remote-callee.js';

/**
 * What the cluster does before a REGISTER of a local session takes effect, for one realm
 * (docs/scaling.md): this node first catches up with the registration table, so the dealer's
 * second pass sees every registration whose REGISTERED went out anywhere before; the callee joins
 * the procedure's claim by compare-and-set, which decides as one router's dealer would (a
 * `single` procedure has one callee, a shared one one policy), so of two nodes registering at
 * the same moment the second decides on what the first wrote; and the callee's table entry is
 * stored in NATS before REGISTERED goes out, so a call made anywhere after REGISTERED finds it
 * (the calling node catches up on a miss, see `RealmClusterLink.callMissed`).
 */
export class ClusterAdmission {
  readonly #context: ClusterContext;
  readonly #realm: string;
  readonly #dealer: Dealer;
  readonly #relay: InvocationRelay;

  constructor(context: ClusterContext, realm: string, dealer: Dealer, relay: InvocationRelay) {
    this.#context = context;
    this.#realm = realm;
    this.#dealer = dealer;
    this.#relay = relay;
  }

  admit(request: RegistrationRequest): Promise<RegistrationAdmission> | undefined {
    // The mirror's own proxies of other nodes' callees are registered at once.
    if (request.session instanceof RemoteCallee) return undefined;
    return this.#admit(request);
  }

  /**
   * Undoes what {@link admit} wrote for a REGISTER that did not take effect as admitted. One that
   * joined a registration of another ID (another node's callee of the same shared procedure was
   * mirrored here meanwhile) keeps its claim; its entry is written again under that ID by the
   * dealer's `calleeAdded`, and until the other nodes have it, their invocations are re-addressed.
   */
  abandoned(request: RegistrationRequest): void {
    const { session } = request;
    this.#context.deleteRegistration(
      registrationKey(this.#realm, this.#context.node, session.id, request.registration),
    );
    const joined = this.#dealer.lookup(request.procedure, request.match as MatchPolicyValue);
    if (joined !== undefined && this.#dealer.callees(joined.id)?.includes(session.id) === true) {
      this.#relay.alias(session, request.registration, joined.id);
      return;
    }
    this.#context.releaseClaim(claimKey(this.#realm, request.match, request.procedure), session.id);
  }

  async #admit(request: RegistrationRequest): Promise<RegistrationAdmission> {
    const { session } = request;
    const key = claimKey(this.#realm, request.match, request.procedure);
    const holder = { node: this.#context.node, session: session.id, authid: session.authid };
    const [, claimed] = await Promise.all([
      // Not caught up (NATS did not answer): the claim below still decides alone.
      this.#context.caughtUp().catch(() => undefined),
      this.#context.claim(key, holder, (current) => decide(request, holder, current)),
    ]);
    if (claimed.refused !== undefined) return { refused: claimed.refused };
    // The entry the dealer's calleeAdded writes, written now and awaited: REGISTERED only after.
    const details: RegistrationDetails = {
      id: request.registration,
      created: '',
      uri: request.procedure,
      match: request.match as RegistrationDetails['match'],
      invoke: request.invoke as RegistrationDetails['invoke'],
    };
    const callee = {
      session,
      discloseCaller: request.discloseCaller,
      forwardTimeout: request.forwardTimeout,
    } as Callee;
    await this.#context.putRegistration(
      registrationKey(this.#realm, this.#context.node, session.id, request.registration),
      entryOf(this.#realm, this.#context.node, details, callee),
    );
    return {};
  }
}

/**
 * What one router's dealer would make of `request` given the procedure's claim: the claim with
 * the new callee in it, or the dealer's refusal (router `sharedRegistrationConflict` and
 * `forceReregisterRefusal`, whose rules and words these are).
 */
export function decide(request: RegistrationRequest, holder: ClaimHolder, current: Claim | undefined): ClaimDecision {
  const { procedure, invoke } = request;
  const mine = current?.holders.filter((h) => h.node === holder.node && h.session === holder.session) ?? [];
  if (current === undefined || current.holders.length === mine.length) return { claim: { invoke, holders: [holder] } };
  const others = current.holders.filter((h) => !mine.includes(h));
  const where = describeHolders(others);
  if (request.forceReregister) {
    // Crossbar's force_reregister: every callee is revoked, whatever the policy.
    if (
      forceReregisterRefusal(
        others.map((h) => ({ session: { authid: h.authid } as RealmMember })),
        request.session,
      ) !== undefined
    ) {
      return refused(
        ErrorUri.NOT_AUTHORIZED,
        `force_reregister takes over only registrations of the same authid; '${procedure}' is registered by another${where}`,
      );
    }
    return { claim: { invoke, holders: [holder] } };
  }
  if (current.invoke === 'single' || invoke === 'single') {
    return refused(ErrorUri.PROCEDURE_ALREADY_EXISTS, `procedure '${procedure}' is already registered${where}`);
  }
  if (current.invoke !== invoke) {
    return refused(
      ErrorUri.PROCEDURE_ALREADY_EXISTS,
      `procedure '${procedure}' is registered with invocation policy '${current.invoke}', not '${invoke}'${where}`,
    );
  }
  return { claim: { invoke, holders: [...others, holder] } };
}

/** ` (on node 'x')`, or ` (on nodes 'x', 'y')`, for a refusal's text. */
function describeHolders(holders: readonly ClaimHolder[]): string {
  const nodes = [...new Set(holders.map((h) => h.node))].map((n) => `'${n}'`);
  if (nodes.length === 0) return '';
  return nodes.length === 1 ? ` (on node ${nodes[0]})` : ` (on nodes ${nodes.join(', ')})`;
}

function refused(error: string, text: string): { refused: { error: string; text: string } } {
  return { refused: { error, text } };
}
