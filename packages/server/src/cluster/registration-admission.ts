import { ErrorUri } from '@interchange/protocol';
import {
  type Callee,
  forceReregisterRefusal,
  type RegistrationAdmission,
  type RegistrationDetails,
  type RegistrationRequest,
} from '@interchange/router';
import type { ClusterContext } from './cluster-context.js';
import { claimKey } from './registration-claims.js';
import { entryOf, registrationKey } from './registration-entry.js';
import { RemoteCallee } from './remote-callee.js';

/**
 * What the cluster does before a REGISTER of a local session takes effect, for one realm
 * (docs/scaling.md): this node first catches up with the registration table, so the dealer's
 * second pass sees every registration whose REGISTERED went out anywhere before; a `single`
 * procedure is claimed cluster-wide (only one node can); and the callee's table entry is
 * stored in NATS before REGISTERED goes out, so a call made anywhere after REGISTERED finds it
 * (the calling node catches up on a miss, see `RealmClusterLink.callMissed`).
 */
export class ClusterAdmission {
  readonly #context: ClusterContext;
  readonly #realm: string;

  constructor(context: ClusterContext, realm: string) {
    this.#context = context;
    this.#realm = realm;
  }

  admit(request: RegistrationRequest): Promise<RegistrationAdmission> | undefined {
    // The mirror's own proxies of other nodes' callees are registered at once.
    if (request.session instanceof RemoteCallee) return undefined;
    return this.#admit(request);
  }

  /** Undoes what {@link admit} wrote for a REGISTER that did not take effect as admitted. */
  abandoned(request: RegistrationRequest): void {
    const { session } = request;
    this.#context.deleteRegistration(
      registrationKey(this.#realm, this.#context.node, session.id, request.registration),
    );
    if (request.invoke === 'single') {
      this.#context.releaseClaim(claimKey(this.#realm, request.match, request.procedure), session.id);
    }
  }

  async #admit(request: RegistrationRequest): Promise<RegistrationAdmission> {
    const { session, procedure } = request;
    const single = request.invoke === 'single';
    const key = claimKey(this.#realm, request.match, procedure);
    const holder = { node: this.#context.node, session: session.id, authid: session.authid };
    const [, claimed] = await Promise.all([
      // Not caught up (NATS did not answer): the claim below still keeps `single` exclusive.
      this.#context.caughtUp().catch(() => undefined),
      single ? this.#context.claim(key, holder, false) : undefined,
    ]);
    if (claimed !== undefined && !claimed.ok) {
      const current = claimed.holder;
      const mayTakeOver =
        request.forceReregister &&
        current !== undefined &&
        forceReregisterRefusal([{ session: { authid: current.authid } as Callee['session'] }], session) === undefined;
      if (!mayTakeOver) {
        const where = current === undefined ? '' : ` (on node '${current.node}')`;
        return request.forceReregister && current !== undefined
          ? refused(
              ErrorUri.NOT_AUTHORIZED,
              `force_reregister takes over only registrations of the same authid; '${procedure}' is registered by another${where}`,
            )
          : refused(ErrorUri.PROCEDURE_ALREADY_EXISTS, `procedure '${procedure}' is already registered${where}`);
      }
      const taken = await this.#context.claim(key, holder, true);
      if (!taken.ok)
        return refused(ErrorUri.PROCEDURE_ALREADY_EXISTS, `procedure '${procedure}' is already registered`);
    }
    // The entry the dealer's calleeAdded writes, written now and awaited: REGISTERED only after.
    const details: RegistrationDetails = {
      id: request.registration,
      created: '',
      uri: procedure,
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

function refused(error: string, text: string): RegistrationAdmission {
  return { refused: { error, text } };
}
