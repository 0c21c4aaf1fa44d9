/**
 * The router side of an MQTT client's WAMP session, where its EVENTs are taken before they reach
 * the in-process client `Session`. The broker hands every receiver of a subscription the same
 * EVENT object (packages/router/src/broker/broker.ts), so the bridge can map and encode it once
 * for all MQTT subscribers (publish-encoder.ts); going through the client `Session` first built an
 * `Event` per receiver on a microtask of its own, most of what a delivery to MQTT cost.
 *
 * The tap learns which subscription ID is which pattern from the session's own SUBSCRIBE (client
 * to router) and the SUBSCRIBED that answers it (router to client), before the router can send
 * that subscription's first EVENT (retained events follow SUBSCRIBED). Everything else, and EVENTs
 * of subscriptions it does not know, goes on to the client `Session` unchanged.
 */
import { type EventMessage, type Id, MessageCode, type WampMessage } from '@interchange/protocol';

/** The key of a WAMP subscription: its match policy and topic (one subscription per key in a realm). */
export function patternKey(topic: string, match: string): string {
  return `${match} ${topic}`;
}

/** Where the tap hands an EVENT: the key of its subscription, and the EVENT as the router sent it. */
export type EventSink = (key: string, topic: string, message: EventMessage) => void;

interface Pattern {
  key: string;
  topic: string;
}

/** One session's tap. */
export class EventTap {
  /** SUBSCRIBEs sent and not yet answered, by request ID. */
  readonly #subscribing = new Map<Id, Pattern>();
  /** UNSUBSCRIBEs sent and not yet answered: request ID to subscription ID. */
  readonly #unsubscribing = new Map<Id, Id>();
  /** The patterns of the session's subscriptions, by subscription ID. */
  readonly #subscriptions = new Map<Id, Pattern>();
  #sink: EventSink | undefined;
  #onSinkError: ((error: unknown) => void) | undefined;

  /** Installs where EVENTs go; until then, and after `undefined`, they go to the client `Session`. */
  setSink(sink: EventSink | undefined, onError?: (error: unknown) => void): void {
    this.#sink = sink;
    this.#onSinkError = onError;
  }

  /** A message from the client `Session` to the router, seen on its way. */
  fromClient(message: WampMessage): void {
    if (message.type === 'SUBSCRIBE') {
      const match = typeof message.options['match'] === 'string' ? message.options['match'] : 'exact';
      this.#subscribing.set(message.requestId, { key: patternKey(message.topic, match), topic: message.topic });
    } else if (message.type === 'UNSUBSCRIBE') this.#unsubscribing.set(message.requestId, message.subscription);
  }

  /**
   * A message from the router to the client. Returns true when the tap took it (an EVENT of a
   * known subscription, with a sink installed); the client `Session` gets everything else.
   * Never throws (the router's `Peer.send` contract).
   */
  toClient(message: WampMessage): boolean {
    switch (message.type) {
      case 'EVENT': {
        const sink = this.#sink;
        const pattern = this.#subscriptions.get(message.subscription);
        if (sink === undefined || pattern === undefined) return false;
        try {
          sink(pattern.key, pattern.topic, message);
        } catch (error) {
          this.#onSinkError?.(error);
        }
        return true;
      }
      case 'SUBSCRIBED': {
        const pattern = this.#subscribing.get(message.requestId);
        if (pattern !== undefined) {
          this.#subscribing.delete(message.requestId);
          this.#subscriptions.set(message.subscription, pattern);
        }
        return false;
      }
      case 'UNSUBSCRIBED': {
        // Our UNSUBSCRIBE answered, or the router revoked the subscription (request ID 0, details.subscription).
        const revoked = message.details?.['subscription'];
        const id = message.requestId === 0 ? revoked : this.#unsubscribing.get(message.requestId);
        this.#unsubscribing.delete(message.requestId);
        if (typeof id === 'number') this.#subscriptions.delete(id);
        return false;
      }
      case 'ERROR':
        if (message.requestType === MessageCode.SUBSCRIBE) this.#subscribing.delete(message.requestId);
        else if (message.requestType === MessageCode.UNSUBSCRIBE) this.#unsubscribing.delete(message.requestId);
        return false;
      default:
        return false;
    }
  }
}
