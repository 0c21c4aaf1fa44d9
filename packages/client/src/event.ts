import type { Dict } from '@interchange/protocol';

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
}

/** An acknowledged publication (spec: basic "PUBLISHED"). */
export class Publication {
  /** The publication ID the broker assigned. */
  readonly id: number;

  constructor(id: number) {
    this.id = id;
  }
}
