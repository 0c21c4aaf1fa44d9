import {
  type Dict,
  type ErrorMessage,
  ErrorUri,
  type Id,
  type InvocationMessage,
  RpcFeature,
  type YieldMessage,
} from '@interchange/protocol';
import type { Callee, Realm, RealmMember } from '@interchange/router';
import type { ClusterContext, SendOutcome } from './cluster-context.js';
import { payloadOf, refusal } from './registration-mirror.js';

interface Relay {
  readonly from: string;
  /**
   * The local callee as the dealer counts its invocations: a relayed invocation holds one of its
   * concurrency slots until it ends (then `undefined`).
   */
  callee: Callee | undefined;
  readonly key: string;
  readonly session: RealmMember;
  /** The INVOCATION request ID the calling node's dealer issued. */
  readonly remoteId: Id;
  /** The INVOCATION request ID the local session sees, from its own sequence. */
  readonly localId: Id;
}

/**
 * The holding side of calls across nodes, for one realm: INVOCATION and INTERRUPT messages that
 * another node's dealer routed to a session of this node go to that session, with request IDs
 * from the session's own sequence, and its YIELD and ERROR go back to the calling node, whose
 * dealer owns the call (policy, timeout, cancel, progress).
 */
export class InvocationRelay {
  readonly #context: ClusterContext;
  readonly #realm: Realm;
  readonly #byRemote = new Map<string, Relay>();
  readonly #byLocal = new Map<RealmMember, Map<Id, Relay>>();
  /**
   * Local sessions whose REGISTER was admitted under one registration ID but joined another
   * (see {@link alias}): the admitted ID → the one the session knows.
   */
  readonly #aliases = new Map<RealmMember, Map<Id, Id>>();

  constructor(context: ClusterContext, realm: Realm) {
    this.#context = context;
    this.#realm = realm;
  }

  /** An INVOCATION from another node's dealer (the first, or a progressive continuation). */
  invocation(from: string, e: Record<string, unknown>): void {
    if (typeof e.s !== 'number' || typeof e.i !== 'number' || typeof e.g !== 'number') return;
    if (typeof e.d !== 'object' || e.d === null) return;
    const key = `${from}:${e.s}:${e.i}`;
    let relay = this.#byRemote.get(key);
    const continuation = relay !== undefined;
    if (relay === undefined) {
      const session = this.#realm.session(e.s);
      if (session === undefined) {
        // Gone in the meantime: the caller learns it as from a callee that left.
        this.#answer(from, e.s, e.i, { kind: 'error', o: {}, e: ErrorUri.CANCELED, a: ['the callee left'] });
        return;
      }
      // The callee's `concurrency` holds where it lives, for calls made on any node: at its limit,
      // the calling node passes the call to its next callee (`busy`; a node that does not know
      // the flag reroutes on `unavailable`) or answers max_concurrency_reached.
      const callee = this.#realm.dealer.calleeOf(this.#registrationOf(session, e.g), session.id);
      if (callee !== undefined && atLimit(callee)) {
        this.#answer(from, e.s, e.i, {
          kind: 'error',
          o: {},
          e: ErrorUri.UNAVAILABLE,
          busy: true,
          a: ['the callee is at its concurrency limit'],
        });
        return;
      }
      if (callee !== undefined) callee.outstanding++;
      relay = { from, key, session, callee, remoteId: e.i, localId: session.nextRequestId() };
      this.#byRemote.set(key, relay);
      let own = this.#byLocal.get(session);
      if (own === undefined) {
        own = new Map();
        this.#byLocal.set(session, own);
      }
      own.set(relay.localId, relay);
    }
    const message: InvocationMessage = {
      type: 'INVOCATION',
      requestId: relay.localId,
      registration: this.#registrationOf(relay.session, e.g),
      details: e.d as Dict,
      ...payloadOf(e),
    };
    const refused = relay.session.send(message);
    if (typeof refused === 'string') this.#undeliverable(relay, refused, continuation);
  }

  /**
   * The local callee's transport could not encode a relayed INVOCATION (router `Peer.send`
   * returned a reason): the calling node's dealer gets an ERROR for it, so the call ends rather
   * than waiting for an answer the callee never had the question for. A callee that had earlier
   * chunks of a progressive invocation is interrupted, as the dealer does for a local one.
   */
  #undeliverable(relay: Relay, reason: string, continuation: boolean): void {
    const text = `the invocation ${reason} (the callee's serializer)`;
    this.#context.logger.info(
      { realm: this.#realm.name, session: relay.session.id, reason },
      'relayed call undeliverable',
    );
    if (continuation && relay.session.announces('callee', RpcFeature.CALL_CANCELING)) {
      relay.session.send({
        type: 'INTERRUPT',
        requestId: relay.localId,
        options: { mode: 'killnowait', reason: ErrorUri.INVALID_ARGUMENT },
      });
    }
    this.#remove(relay);
    this.#answer(relay.from, relay.session.id, relay.remoteId, {
      kind: 'error',
      o: {},
      e: ErrorUri.INVALID_ARGUMENT,
      a: [text],
    });
  }

  /**
   * A REGISTER of `session` was admitted under the registration ID `admitted` (the table entry
   * other nodes route by was written with it) but joined the registration `actual` that appeared
   * here meanwhile (another node's callee of the same shared procedure). Until the other nodes
   * have the corrected entry, their invocations name `admitted`: the session gets `actual`.
   */
  alias(session: RealmMember, admitted: Id, actual: Id): void {
    let own = this.#aliases.get(session);
    if (own === undefined) {
      own = new Map();
      this.#aliases.set(session, own);
    }
    own.set(admitted, actual);
  }

  /** `session` left registration `actual`: aliases of it go. */
  calleeRemoved(session: RealmMember, actual: Id): void {
    const own = this.#aliases.get(session);
    if (own === undefined) return;
    for (const [admitted, id] of own) if (id === actual) own.delete(admitted);
    if (own.size === 0) this.#aliases.delete(session);
  }

  /** An INTERRUPT from the calling node (cancel, timeout, caller gone). */
  interrupt(from: string, e: Record<string, unknown>): void {
    const relay = this.#byRemote.get(`${from}:${String(e.s)}:${String(e.i)}`);
    if (relay === undefined || typeof e.o !== 'object' || e.o === null) return;
    const options = e.o as Dict;
    relay.session.send({ type: 'INTERRUPT', requestId: relay.localId, options });
    // After `killnowait` the calling node discards any answer: forget the call here too; a late
    // answer then reaches this node's dealer, which discards it as one it issued and forgot.
    if (options.mode === 'killnowait') this.#remove(relay);
  }

  /** A YIELD or ERROR of a local session: `true` when it answers a relayed invocation (sent on). */
  answered(session: RealmMember, message: YieldMessage | ErrorMessage): boolean {
    const relay = this.#byLocal.get(session)?.get(message.requestId);
    if (relay === undefined) return false;
    const isYield = message.type === 'YIELD';
    const final = !isYield || message.options.progress !== true;
    if (final) this.#remove(relay);
    const outcome = this.#answer(relay.from, session.id, relay.remoteId, {
      kind: isYield ? 'yield' : 'error',
      o: isYield ? message.options : message.details,
      e: isYield ? undefined : message.error,
      a: message.args,
      k: message.kwargs,
      p: message.payload,
    });
    if (outcome !== 'sent') {
      const [error, text] = refusal(outcome, "callee's answer", this.#context.maxPayload());
      this.#context.logger.warn({ realm: this.#realm.name, session: session.id }, text);
      this.#answer(relay.from, session.id, relay.remoteId, { kind: 'error', o: {}, e: error, a: [text] });
      this.#remove(relay);
    }
    return true;
  }

  /** A local session left: its relayed calls are forgotten (the calling nodes fail them). */
  sessionLeft(session: RealmMember): void {
    this.#aliases.delete(session);
    const own = this.#byLocal.get(session);
    if (own === undefined) return;
    for (const relay of [...own.values()]) this.#remove(relay);
  }

  /** A calling node is gone: its calls are interrupted where the callee can be, and forgotten. */
  nodeDead(node: string): void {
    for (const relay of [...this.#byRemote.values()]) {
      if (relay.from !== node) continue;
      if (relay.session.announces('callee', RpcFeature.CALL_CANCELING)) {
        relay.session.send({
          type: 'INTERRUPT',
          requestId: relay.localId,
          options: { mode: 'killnowait', reason: ErrorUri.CANCELED },
        });
      }
      this.#remove(relay);
    }
  }

  #answer(to: string, session: Id, requestId: Id, body: Record<string, unknown>): SendOutcome {
    return this.#context.sendToNode(to, {
      t: 'ans',
      r: this.#realm.name,
      n: this.#context.node,
      s: session,
      i: requestId,
      ...body,
    });
  }

  /** The registration ID `session` knows for the one another node names `id` (see {@link alias}). */
  #registrationOf(session: RealmMember, id: Id): Id {
    return this.#aliases.size === 0 ? id : (this.#aliases.get(session)?.get(id) ?? id);
  }

  #remove(relay: Relay): void {
    if (relay.callee !== undefined) {
      relay.callee.outstanding--;
      relay.callee = undefined;
    }
    this.#byRemote.delete(relay.key);
    const own = this.#byLocal.get(relay.session);
    if (own === undefined) return;
    own.delete(relay.localId);
    if (own.size === 0) this.#byLocal.delete(relay.session);
  }
}

/** Whether a local callee may take no more invocations (router `Registration.pick`'s rule). */
function atLimit(callee: Callee): boolean {
  if (callee.pendingLimit !== undefined && callee.outstanding >= callee.pendingLimit) return true;
  return callee.concurrency !== 0 && callee.outstanding >= callee.concurrency;
}
