import {
  type Dict,
  type ErrorMessage,
  ErrorUri,
  type Id,
  type InterruptMessage,
  type InvocationMessage,
  MessageCode,
  type Payload,
  type YieldMessage,
} from '@interchange/protocol';
import type { Dealer } from '@interchange/router';
import type { ClusterContext, SendOutcome } from './cluster-context.js';
import type { RegistrationEntry } from './registration-entry.js';
import { RemoteCallee } from './remote-callee.js';

/**
 * This node's copy of the registrations other nodes hold, for one realm (docs/scaling.md).
 *
 * Each remote callee is a {@link RemoteCallee} registered with this node's dealer under the same
 * procedure, match and invocation policy, so a call made here finds remote and local callees
 * alike, by the same precedence (exact, longest prefix, wildcard) and the invocation policy of a
 * shared registration over all of them; timeouts, cancels and progressive results run in this
 * node's dealer as for a local callee. Only the INVOCATION and INTERRUPT messages travel, to the
 * node that holds the callee ({@link InvocationRelay} there), and its answers come back here.
 */
export class RegistrationMirror {
  readonly #context: ClusterContext;
  readonly #realm: string;
  readonly #dealer: Dealer;
  /** `node:session` → the proxy of that remote session. */
  readonly #proxies = new Map<string, RemoteCallee>();
  /** Table key → the proxy and this node's ID of the registration it is mirrored on. */
  readonly #byKey = new Map<string, { proxy: RemoteCallee; local: Id }>();
  /** Entries refused here (a `single` local callee stood in the way), tried again when a local callee goes. */
  readonly #refused = new Map<string, RegistrationEntry>();
  #requestId = 0;

  constructor(context: ClusterContext, realm: string, dealer: Dealer) {
    this.#context = context;
    this.#realm = realm;
    this.#dealer = dealer;
  }

  /** A registration-table entry of another node appeared. */
  put(key: string, entry: RegistrationEntry): void {
    if (this.#byKey.has(key)) return;
    const proxy = this.#proxyFor(entry);
    const options: Dict = { match: entry.match, invoke: entry.invoke };
    if (entry.discloseCaller) options.disclose_caller = true;
    if (entry.forwardTimeout) options.forward_timeout = true;
    this.#dealer.register(proxy, {
      type: 'REGISTER',
      requestId: this.#nextRequestId(),
      procedure: entry.procedure,
      options,
    });
    const reply = proxy.takeReply();
    if (reply?.type !== 'REGISTERED') {
      // Two nodes took the same `single` procedure at the same moment, or the configs differ.
      this.#context.logger.warn(
        {
          realm: this.#realm,
          procedure: entry.procedure,
          node: entry.node,
          error: reply?.type === 'ERROR' ? reply.error : undefined,
        },
        'a registration of another node could not be mirrored here',
      );
      if (proxy.keys.size === 0 && proxy.registrations.size === 0) this.#proxies.delete(proxyKey(proxy));
      this.#refused.set(key, entry);
      return;
    }
    this.#refused.delete(key);
    proxy.registrations.set(reply.registration, entry.registration);
    proxy.keys.add(key);
    this.#byKey.set(key, { proxy, local: reply.registration });
  }

  /**
   * Mirrors again the entries refused earlier. A `force_reregister` on another node takes a
   * procedure from a callee here or on a third node; its entry can arrive before the
   * revocation did, or before the replaced entry is deleted.
   */
  retryRefused(): void {
    if (this.#refused.size === 0) return;
    for (const [key, entry] of [...this.#refused]) {
      this.#refused.delete(key);
      this.put(key, entry);
    }
  }

  /** Tells the node holding `proxy`'s session to revoke it from a registration (force_reregister here). */
  revoke(proxy: RemoteCallee, registration: Id, reason: string | undefined): void {
    const theirs = proxy.registrations.get(registration);
    if (theirs === undefined) return;
    this.#context.sendToNode(proxy.node, {
      t: 'rev',
      r: this.#realm,
      n: this.#context.node,
      s: proxy.id,
      g: theirs,
      ...(reason === undefined ? {} : { why: reason }),
    });
  }

  /**
   * This node's ID of the registration another node calls `id` (its REGISTERED, its meta
   * events), or `undefined` when no mirrored registration has it.
   */
  localIdOf(id: Id): Id | undefined {
    for (const { proxy, local } of this.#byKey.values()) if (proxy.registrations.get(local) === id) return local;
    return undefined;
  }

  /** Whether `session` is a session of another node with registrations mirrored here. */
  isRemoteSession(session: Id): boolean {
    for (const proxy of this.#proxies.values()) if (proxy.id === session) return true;
    return false;
  }

  /** A registration-table entry of another node went (the callee unregistered). */
  delete(key: string): void {
    this.#refused.delete(key);
    const mirrored = this.#byKey.get(key);
    if (mirrored === undefined) return;
    this.#byKey.delete(key);
    mirrored.proxy.keys.delete(key);
    // Invocations already sent stay pending, as for a local callee that unregisters.
    this.#dealer.unregister(mirrored.proxy, {
      type: 'UNREGISTER',
      requestId: this.#nextRequestId(),
      registration: mirrored.local,
    });
    mirrored.proxy.takeReply();
    // An entry refused while this one stood in its way (a takeover by force_reregister).
    this.retryRefused();
  }

  /** A session of another node that held registrations left: its calls here fail (canceled). */
  sessionGone(node: string, session: Id): void {
    const proxy = this.#proxies.get(`${node}:${session}`);
    if (proxy !== undefined) this.#drop(proxy);
  }

  /**
   * A node is gone (no heartbeat within the dead-node timeout, or it said goodbye): its
   * registrations go, and calls in flight to its callees fail for their callers.
   */
  nodeDead(node: string): void {
    for (const proxy of [...this.#proxies.values()]) if (proxy.node === node) this.#drop(proxy);
  }

  /**
   * The connection to NATS is lost: answers to calls in flight may be lost with it, so those
   * calls fail now (canceled) instead of waiting for an answer that may never come; the other
   * nodes' callees are unavailable here until the table is read again after the reconnect.
   */
  connectionLost(): void {
    for (const proxy of [...this.#proxies.values()]) this.#drop(proxy);
  }

  /** The answer (YIELD or ERROR) of a remote callee to an INVOCATION sent from here. */
  answer(node: string, e: Record<string, unknown>): void {
    const proxy = typeof e.s === 'number' ? this.#proxies.get(`${node}:${e.s}`) : undefined;
    if (proxy === undefined || typeof e.i !== 'number' || typeof e.o !== 'object' || e.o === null) return;
    const payload = payloadOf(e);
    let violation: string | undefined;
    if (e.kind === 'yield') {
      const message: YieldMessage = { type: 'YIELD', requestId: e.i, options: e.o as Dict, ...payload };
      violation = this.#dealer.yield(proxy, message);
    } else if (e.kind === 'error' && e.busy === true) {
      // The callee's node enforces its concurrency limit (invocation-relay.ts).
      this.#dealer.calleeBusy(proxy, e.i);
    } else if (e.kind === 'error' && typeof e.e === 'string') {
      const message: ErrorMessage = {
        type: 'ERROR',
        requestType: MessageCode.INVOCATION,
        requestId: e.i,
        details: e.o as Dict,
        error: e.e,
        ...payload,
      };
      violation = this.#dealer.invocationError(proxy, message);
    }
    if (violation !== undefined) {
      this.#context.logger.warn(
        { realm: this.#realm, node, session: e.s, violation },
        'answer of a remote callee refused',
      );
    }
  }

  #proxyFor(entry: RegistrationEntry): RemoteCallee {
    const key = `${entry.node}:${entry.session}`;
    let proxy = this.#proxies.get(key);
    if (proxy === undefined) {
      proxy = new RemoteCallee(
        {
          node: entry.node,
          id: entry.session,
          authid: entry.authid,
          authrole: entry.authrole,
          features: entry.features,
        },
        (callee, message) => this.#forward(callee, message),
      );
      this.#proxies.set(key, proxy);
    }
    return proxy;
  }

  #drop(proxy: RemoteCallee): void {
    for (const [key, entry] of this.#refused) {
      if (entry.node === proxy.node && entry.session === proxy.id) this.#refused.delete(key);
    }
    for (const key of proxy.keys) this.#byKey.delete(key);
    proxy.keys.clear();
    // As for a local session that left: registrations go, its pending calls fail (canceled).
    // Still known as another node's session meanwhile: its meta events stay out of histories.
    this.#dealer.removeSession(proxy);
    this.#proxies.delete(proxyKey(proxy));
  }

  /**
   * Sends an INVOCATION or INTERRUPT of this node's dealer to the node holding the callee. An
   * INVOCATION that cannot cross fails its call with an ERROR (never a silent drop, never a call
   * waiting forever): one the cluster's encoding cannot carry returns its reason to the dealer.
   */
  #forward(proxy: RemoteCallee, message: InvocationMessage | InterruptMessage): string | undefined {
    const route = { r: this.#realm, n: this.#context.node, s: proxy.id, i: message.requestId };
    if (message.type === 'INTERRUPT') {
      this.#context.sendToNode(proxy.node, { t: 'int', ...route, o: message.options });
      return undefined;
    }
    const outcome = this.#context.sendToNode(proxy.node, {
      t: 'inv',
      ...route,
      g: proxy.registrations.get(message.registration) ?? message.registration,
      d: message.details,
      a: message.args,
      k: message.kwargs,
      p: message.payload,
    });
    if (outcome === 'sent') return undefined;
    if (outcome === 'unencodable') {
      // Reported as a local callee's serializer would (router `Peer.send`): the dealer fails the
      // call at once, and interrupts the callee of a progressive invocation already under way.
      const reason = crossingRefusal(outcome, this.#context.maxPayload());
      this.#context.logger.warn({ realm: this.#realm, node: proxy.node, session: proxy.id }, `the call ${reason}`);
      return reason;
    }
    // Too large for NATS: the caller gets payload_size_exceeded, as if the callee had refused the
    // call. The dealer is in the middle of routing this call, so the error comes after it is done.
    const [error, text] = refusal(outcome, 'call', this.#context.maxPayload());
    this.#context.logger.warn({ realm: this.#realm, node: proxy.node, session: proxy.id }, text);
    queueMicrotask(() => {
      this.#dealer.invocationError(proxy, {
        type: 'ERROR',
        requestType: MessageCode.INVOCATION,
        requestId: message.requestId,
        details: {},
        error,
        args: [text],
      });
    });
    return undefined;
  }

  #nextRequestId(): Id {
    this.#requestId++;
    return this.#requestId;
  }
}

function proxyKey(proxy: RemoteCallee): string {
  return `${proxy.node}:${proxy.id}`;
}

/** The WAMP payload fields of an envelope (`a`, `k`, `p`), absent ones left out. */
export function payloadOf(e: Record<string, unknown>): Payload {
  const payload: Payload = {};
  if (Array.isArray(e.a)) payload.args = e.a;
  if (typeof e.k === 'object' && e.k !== null && !Array.isArray(e.k)) payload.kwargs = e.k as Dict;
  if (e.p instanceof Uint8Array || typeof e.p === 'string') payload.payload = e.p;
  return payload;
}

/**
 * Why a message could not cross to another node, worded to follow "the invocation" or "the
 * call" as the dealer's refusals are.
 */
export function crossingRefusal(outcome: Exclude<SendOutcome, 'sent'>, maxPayload: number): string {
  return outcome === 'too-large'
    ? `is larger than the cluster's NATS max_payload of ${maxPayload} bytes`
    : 'holds a value that cannot be carried to the other nodes of the cluster';
}

/** The error URI and text for a message that could not cross the cluster. */
export function refusal(outcome: Exclude<SendOutcome, 'sent'>, what: string, maxPayload: number): [string, string] {
  return outcome === 'too-large'
    ? [
        ErrorUri.PAYLOAD_SIZE_EXCEEDED,
        `the ${what} is larger than the cluster's NATS max_payload of ${maxPayload} bytes`,
      ]
    : [ErrorUri.INVALID_ARGUMENT, `the ${what} holds a value that cannot be carried to the other nodes of the cluster`];
}
