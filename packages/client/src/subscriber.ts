import {
  ApplicationError,
  type Dict,
  type ErrorMessage,
  type EventMessage,
  InvalidArgumentError,
  MessageCode,
  type SubscribedMessage,
  type UnsubscribedMessage,
} from '@interchange/protocol';
import { deferred } from './deferred.js';
import { Event } from './event.js';
import { fromWirePayload, isOptionsObject, isPlainDict } from './payload.js';
import type { Handled, SessionContext, Settle } from './session-context.js';
import { type EventHandler, Subscription } from './subscription.js';
import { checkUri } from './uri-check.js';

/** Options of `Session.subscribe`. Snake_case names are SUBSCRIBE.Options keys sent as they are. */
export interface SubscribeOptions {
  /** How `topic` matches published topics (spec: advanced "Pattern-based Subscription"). */
  match?: 'exact' | 'prefix' | 'wildcard';
  /** Ask for the topic's retained event, if any (spec: advanced "Event Retention"). */
  get_retained?: boolean;
  /** Further SUBSCRIBE.Options, merged in as they are. */
  extra?: Dict;
  /** Without a handler: the most events buffered while the loop does not read. Default 1024. */
  bufferSize?: number;
}

interface PendingSubscribe {
  topic: string;
  options: Dict;
  handler: EventHandler | undefined;
  bufferSize: number;
  settle: Settle<Subscription>;
}

/**
 * The subscriber role (spec: basic "Subscribing and Unsubscribing", "Publishing and Events").
 *
 * A broker answers a second SUBSCRIBE to the same topic by the same session with the same
 * subscription ID, so several local `Subscription`s may share one broker subscription; the
 * UNSUBSCRIBE goes out when the last of them is unsubscribed.
 */
export class Subscriber {
  readonly #ctx: SessionContext;
  readonly #subscribing = new Map<number, PendingSubscribe>();
  readonly #unsubscribing = new Map<number, Settle<void>>();
  readonly #subscriptions = new Map<number, Subscription[]>();

  constructor(ctx: SessionContext) {
    this.#ctx = ctx;
  }

  subscribe(topic: string, handler: EventHandler | undefined, options: SubscribeOptions): Promise<Subscription> {
    if (!isOptionsObject(options)) throw new InvalidArgumentError('subscribe: options must be an object');
    checkUri('subscribe: topic', topic, options.match);
    if (handler !== undefined && typeof handler !== 'function') {
      throw new InvalidArgumentError('subscribe: handler must be a function');
    }
    if (options.extra !== undefined && !isPlainDict(options.extra)) {
      throw new InvalidArgumentError('subscribe: extra must be an object');
    }
    const bufferSize = options.bufferSize ?? 1024;
    if (!(bufferSize >= 1)) {
      throw new InvalidArgumentError(`subscribe: bufferSize must be at least 1, got ${String(options.bufferSize)}`);
    }
    try {
      this.#ctx.assertEstablished();
    } catch (error) {
      return Promise.reject(error);
    }
    const wireOptions: Dict = { ...options.extra };
    if (options.match !== undefined && options.match !== 'exact') wireOptions['match'] = options.match;
    if (options.get_retained !== undefined) wireOptions['get_retained'] = options.get_retained;
    const id = this.#ctx.nextRequestId();
    this.#ctx.send({ type: 'SUBSCRIBE', requestId: id, options: wireOptions, topic });
    const subscribed = deferred<Subscription>();
    this.#subscribing.set(id, { topic, options: wireOptions, handler, bufferSize, settle: subscribed });
    return subscribed.promise;
  }

  /** Ends one local subscription; sends UNSUBSCRIBE when it was the last on its broker subscription. */
  unsubscribe(subscription: Subscription): Promise<void> {
    const siblings = this.#subscriptions.get(subscription.id);
    const index = siblings?.indexOf(subscription) ?? -1;
    if (siblings === undefined || index === -1 || !subscription.active) return Promise.resolve();
    try {
      this.#ctx.assertEstablished();
    } catch (error) {
      return Promise.reject(error);
    }
    siblings.splice(index, 1);
    subscription.deactivate('local');
    if (siblings.length > 0) return Promise.resolve();
    // Events still on the wire for this ID are dropped from here on.
    this.#subscriptions.delete(subscription.id);
    const id = this.#ctx.nextRequestId();
    this.#ctx.send({ type: 'UNSUBSCRIBE', requestId: id, subscription: subscription.id });
    const unsubscribed = deferred<void>();
    this.#unsubscribing.set(id, unsubscribed);
    return unsubscribed.promise;
  }

  handleSubscribed(message: SubscribedMessage): Handled {
    const pending = this.#subscribing.get(message.requestId);
    if (pending === undefined) return 'unknown-request';
    this.#subscribing.delete(message.requestId);
    const subscription = new Subscription({
      id: message.subscription,
      topic: pending.topic,
      options: pending.options,
      handler: pending.handler,
      bufferSize: pending.bufferSize,
      logger: this.#ctx.logger,
      unsubscribe: (s) => this.unsubscribe(s),
    });
    const siblings = this.#subscriptions.get(subscription.id);
    if (siblings === undefined) this.#subscriptions.set(subscription.id, [subscription]);
    else siblings.push(subscription);
    pending.settle.resolve(subscription);
    return 'ok';
  }

  handleUnsubscribed(message: UnsubscribedMessage): Handled {
    if (message.requestId === 0) {
      // Router-initiated (spec: advanced "Subscription Revocation").
      const details = message.details ?? {};
      const id = details['subscription'];
      const siblings = typeof id === 'number' ? this.#subscriptions.get(id) : undefined;
      if (siblings !== undefined && typeof id === 'number') {
        this.#subscriptions.delete(id);
        const reason = details['reason'];
        for (const subscription of siblings) {
          subscription.deactivate('revoked', typeof reason === 'string' ? { revocationReason: reason } : {});
        }
      }
      return 'ok';
    }
    const pending = this.#unsubscribing.get(message.requestId);
    if (pending === undefined) return 'unknown-request';
    this.#unsubscribing.delete(message.requestId);
    pending.resolve();
    return 'ok';
  }

  /** ERROR for SUBSCRIBE or UNSUBSCRIBE. */
  handleError(message: ErrorMessage): Handled {
    const error = new ApplicationError(message.error, { ...fromWirePayload(message), details: message.details });
    if (message.requestType === MessageCode.SUBSCRIBE) {
      const pending = this.#subscribing.get(message.requestId);
      if (pending === undefined) return 'unknown-request';
      this.#subscribing.delete(message.requestId);
      pending.settle.reject(error);
      return 'ok';
    }
    const pending = this.#unsubscribing.get(message.requestId);
    if (pending === undefined) return 'unknown-request';
    this.#unsubscribing.delete(message.requestId);
    pending.reject(error);
    return 'ok';
  }

  /**
   * EVENT: delivered to every local subscription on the ID. An event for an ID we no longer hold
   * crossed our UNSUBSCRIBE on the wire and is dropped.
   */
  handleEvent(message: EventMessage): Handled {
    const siblings = this.#subscriptions.get(message.subscription);
    if (siblings === undefined || siblings.length === 0) return 'ok';
    const topicDetail = message.details['topic'];
    const event = new Event({
      ...fromWirePayload(message),
      details: message.details,
      topic: typeof topicDetail === 'string' ? topicDetail : (siblings[0] as Subscription).topic,
      publication: message.publication,
      subscription: message.subscription,
    });
    // A handler may unsubscribe while we loop: iterate over a copy.
    for (const subscription of [...siblings]) subscription.deliver(event);
    return 'ok';
  }

  /**
   * The session ended: requests reject with `error`; subscriptions end, their loops finishing
   * normally when `graceful` (the application left) and throwing `error` otherwise.
   */
  close(error: unknown, graceful: boolean): void {
    const subscribing = [...this.#subscribing.values()];
    const unsubscribing = [...this.#unsubscribing.values()];
    const subscriptions = [...this.#subscriptions.values()].flat();
    this.#subscribing.clear();
    this.#unsubscribing.clear();
    this.#subscriptions.clear();
    for (const subscription of subscriptions) subscription.deactivate('session-closed', graceful ? {} : { error });
    for (const pending of subscribing) pending.settle.reject(error);
    for (const pending of unsubscribing) pending.reject(error);
  }
}
