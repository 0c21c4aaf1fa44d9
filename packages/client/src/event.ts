import type { Dict } from '@interchange/protocol';
import { type PassthruOptions, passthruOf } from './passthru.js';

/**
 * One event received on a subscription (spec: basic "EVENT").
 *
 * @example
 * await session.subscribe('com.example.on_vote', (event) => console.log(event.args[0]));
 */
export class Event {
  /** Positional payload; `[]` when the publisher sent none. */
  readonly args: unknown[];
  /** Keyword payload; `{}` when the publisher sent none. */
  readonly kwargs: Record<string, unknown>;
  /** EVENT.Details as received: `publisher`, `topic`, `retained`, ... */
  readonly details: Dict;
  /**
   * The topic published to: `details.topic` for pattern-based subscriptions
   * (spec: advanced "Pattern-based Subscription"), otherwise the subscribed URI.
   */
  readonly topic: string;
  /** The publication ID. */
  readonly publication: number;
  /** The subscription ID the event arrived on. */
  readonly subscription: number;

  /** @internal Created by the session for each EVENT. */
  constructor(init: {
    args: unknown[];
    kwargs: Record<string, unknown>;
    details: Dict;
    topic: string;
    publication: number;
    subscription: number;
  }) {
    this.args = init.args;
    this.kwargs = init.kwargs;
    this.details = init.details;
    this.topic = init.topic;
    this.publication = init.publication;
    this.subscription = init.subscription;
  }

  /** The publisher's session ID, when disclosed (spec: advanced "Publisher Identification"). */
  get publisher(): number | undefined {
    const publisher = this.details['publisher'];
    return typeof publisher === 'number' ? publisher : undefined;
  }

  /** The publisher's authid, when disclosed. */
  get publisherAuthid(): string | undefined {
    const authid = this.details['publisher_authid'];
    return typeof authid === 'string' ? authid : undefined;
  }

  /** The publisher's authrole, when disclosed. */
  get publisherAuthrole(): string | undefined {
    const authrole = this.details['publisher_authrole'];
    return typeof authrole === 'string' ? authrole : undefined;
  }

  /**
   * Whether this is a retained event the broker sent on subscribing with `get_retained`
   * (spec: advanced "Event Retention"), rather than a new publication.
   */
  get retained(): boolean {
    return this.details['retained'] === true;
  }

  /** Payload passthru attributes, when the event is in passthru mode (the payload is `args[0]`). */
  get passthru(): PassthruOptions | undefined {
    return passthruOf(this.details);
  }
}

/** An acknowledged publication (spec: basic "PUBLISHED"). */
export class Publication {
  /** The publication ID the broker assigned. */
  readonly id: number;

  constructor(id: number) {
    this.id = id;
  }
}
