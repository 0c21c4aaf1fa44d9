import type { FeatureName, Id, InterruptMessage, InvocationMessage, WampMessage } from '@interchange/protocol';
import type { RealmMember } from '@interchange/router';

/**
 * Where a remote callee's INVOCATION and INTERRUPT messages go: to the node that holds it.
 * Returns a reason when the message could not be sent (as router `Peer.send` does).
 */
export type RemoteForward = (callee: RemoteCallee, message: InvocationMessage | InterruptMessage) => string | undefined;

/** Who a remote callee is, as the registration table says. */
export interface RemoteCalleeIdentity {
  readonly node: string;
  readonly id: Id;
  readonly authid: string;
  readonly authrole: string;
  /** The callee features the session announced in its HELLO. */
  readonly features: readonly string[];
}

/**
 * A session on another node, as this node's dealer sees it: a callee of the registrations it
 * holds there, mirrored here from the cluster's registration table. The dealer picks it by the
 * invocation policy like any local callee and routes the call through it; its INVOCATION and
 * INTERRUPT messages travel to the node that holds the real session, which answers with the
 * YIELD or ERROR that this node's dealer then handles as the callee's own.
 *
 * Request IDs: INVOCATION request IDs are issued here, in this proxy's own sequence; the holding
 * node maps them onto the real session's sequence.
 */
export class RemoteCallee implements RealmMember {
  readonly node: string;
  readonly id: Id;
  readonly authid: string;
  readonly authrole: string;
  /** This node's registration ID → the holding node's registration ID (what the callee knows). */
  readonly registrations = new Map<Id, Id>();
  /** The registration-table keys mirrored for this session. */
  readonly keys = new Set<string>();
  readonly #features: ReadonlySet<string>;
  readonly #forward: RemoteForward;
  #lastRequestId = 0;
  #reply: WampMessage | undefined;

  constructor(identity: RemoteCalleeIdentity, forward: RemoteForward) {
    this.node = identity.node;
    this.id = identity.id;
    this.authid = identity.authid;
    this.authrole = identity.authrole;
    this.#features = new Set(identity.features);
    this.#forward = forward;
  }

  announces(role: string, feature: FeatureName): boolean {
    return role === 'callee' && this.#features.has(feature);
  }

  /**
   * INVOCATION and INTERRUPT go to the holding node. Anything else is the dealer's answer to
   * mirroring a registration (REGISTERED, UNREGISTERED, ERROR), kept for {@link takeReply}.
   * Returns a reason when an INVOCATION cannot cross to the holding node (too large for NATS, or
   * a value the cluster's encoding cannot carry): the dealer then fails the call with an ERROR,
   * as for a local callee whose serializer refused it.
   */
  send(message: WampMessage): string | undefined {
    if (message.type === 'INVOCATION' || message.type === 'INTERRUPT') return this.#forward(this, message);
    this.#reply = message;
    return undefined;
  }

  /** The dealer's last answer to a REGISTER or UNREGISTER made for this proxy, once. */
  takeReply(): WampMessage | undefined {
    const reply = this.#reply;
    this.#reply = undefined;
    return reply;
  }

  nextRequestId(): Id {
    this.#lastRequestId++;
    return this.#lastRequestId;
  }

  hasIssuedRequestId(id: Id): boolean {
    return id >= 1 && id <= this.#lastRequestId;
  }
}
