import { type Callee, isCalleeFree, type RegistrationDetails } from '@interchange/router';
import type { ClusterContext } from './cluster-context.js';
import { type ClaimHolder, claimKey } from './registration-claims.js';
import { RemoteCallee } from './remote-callee.js';
import { subjectToken } from './subject-tokens.js';

/** How long a calling node waits for the rotation's keeper to say whose turn it is (ms). */
const TURN_WAIT_MS = 1000;

/** How many rotations a node keeps at most (procedures called with `roundrobin` lately). */
const MAX_ROTATIONS = 4096;

/**
 * Whose turn a call to a shared registration is, for one realm of a cluster node, decided as
 * one router decides it over every node's callees (docs/scaling.md, "Shared registrations").
 *
 * The order is the procedure's claim (registration-claims.ts): its holders, in the order their
 * REGISTERs were admitted cluster-wide, the same list on every node. `first` and `last` take the
 * first (last) holder in it that is free, on the calling node, with no message. `roundrobin`
 * needs one rotation for all callers: it is kept by the node of the claim's first holder (the
 * keeper); a call on the keeper takes the next turn at once, a call on any other node asks the
 * keeper for it (one NATS request and its answer) before the INVOCATION goes to the callee. A
 * node without an answer within {@link TURN_WAIT_MS} lets its dealer pick (logged).
 */
export class ClusterTurns {
  readonly #context: ClusterContext;
  readonly #realm: string;
  /** The rotations this node keeps: claim key → the holder whose turn came last, and where it was. */
  readonly #rotations = new Map<string, { last: string; index: number }>();
  readonly #stop: () => void;
  /** The claim key of each registration asked about (the dealer's own objects, so weakly held). */
  readonly #keys = new WeakMap<RegistrationDetails, string>();

  constructor(context: ClusterContext, realm: string) {
    this.#context = context;
    this.#realm = realm;
    this.#stop = context.serve(turnSubject(context.prefix, context.node, realm), async (request) =>
      this.#answer(request),
    );
  }

  /** See `DealerClusterHooks.turn`. */
  turn(
    registration: RegistrationDetails,
    callees: readonly Callee[],
  ): Callee | Promise<Callee | undefined> | undefined {
    let key = this.#keys.get(registration);
    if (key === undefined) {
      // Hashed once per registration, not on every call.
      key = claimKey(this.#realm, registration.match, registration.uri);
      this.#keys.set(registration, key);
    }
    const holders = this.#liveHolders(key);
    if (holders.length === 0) return undefined;
    if (registration.invoke === 'first' || registration.invoke === 'last') {
      const ordered = registration.invoke === 'first' ? holders : [...holders].reverse();
      for (const holder of ordered) {
        const callee = this.#calleeOf(holder, callees);
        if (callee !== undefined && isCalleeFree(callee)) return callee;
      }
      return undefined;
    }
    const keeper = (holders[0] as ClaimHolder).node;
    if (keeper === this.#context.node) {
      const holder = this.#next(key, holders);
      return holder === undefined ? undefined : this.#calleeOf(holder, callees);
    }
    return this.#context
      .request(turnSubject(this.#context.prefix, keeper, this.#realm), { k: key }, TURN_WAIT_MS)
      .then((answer) => {
        if (typeof answer?.n !== 'string' || typeof answer.s !== 'number') {
          this.#context.logger.debug({ realm: this.#realm, keeper, key }, 'no turn from the rotation keeper');
          return undefined;
        }
        // Mapped now: `callees` is the registration's own list, as it is when the answer came.
        return this.#calleeOf({ node: answer.n, session: answer.s }, callees);
      });
  }

  /** Stops answering other nodes. */
  close(): void {
    this.#stop();
  }

  /** Another node asks whose turn the next call is, on a rotation this node keeps. */
  #answer(request: Record<string, unknown>): object {
    if (typeof request.k !== 'string') return {};
    const holder = this.#next(request.k, this.#liveHolders(request.k));
    return holder === undefined ? {} : { n: holder.node, s: holder.session };
  }

  /** The holder after the one whose turn came last (as one router's cursor walks its callees). */
  #next(key: string, holders: readonly ClaimHolder[]): ClaimHolder | undefined {
    if (holders.length === 0) return undefined;
    const rotation = this.#rotations.get(key);
    let index = 0;
    if (rotation !== undefined) {
      const last = holders.findIndex((h) => holderKey(h) === rotation.last);
      // The holder served last left: the one that took its place is next.
      index = last === -1 ? rotation.index % holders.length : (last + 1) % holders.length;
    }
    const holder = holders[index] as ClaimHolder;
    // Re-inserted, so the map's first key is the rotation used longest ago.
    this.#rotations.delete(key);
    this.#rotations.set(key, { last: holderKey(holder), index });
    // Bounded: a rotation forgotten starts again at the first holder.
    if (this.#rotations.size > MAX_ROTATIONS) this.#rotations.delete(this.#rotations.keys().next().value as string);
    return holder;
  }

  /** The claim's holders on live nodes (this one included), in claim order. */
  #liveHolders(key: string): readonly ClaimHolder[] {
    const claim = this.#context.claimOf(key);
    if (claim === undefined) {
      this.#rotations.delete(key);
      return [];
    }
    const self = this.#context.node;
    return claim.holders.filter((h) => h.node === self || this.#context.isAlive(h.node));
  }

  /** The callee among `callees` that is `holder` (a local session, or a proxy of another node's). */
  #calleeOf(holder: Pick<ClaimHolder, 'node' | 'session'>, callees: readonly Callee[]): Callee | undefined {
    const local = holder.node === this.#context.node;
    return callees.find((callee) => {
      const { session } = callee;
      if (session.id !== holder.session) return false;
      return session instanceof RemoteCallee ? session.node === holder.node : local;
    });
  }
}

/** The subject a node answers turn requests of one realm on. */
function turnSubject(prefix: string, node: string, realm: string): string {
  return `${prefix}.turn.${node}.${subjectToken(realm)}`;
}

function holderKey(holder: ClaimHolder): string {
  return `${holder.node}:${holder.session}`;
}
