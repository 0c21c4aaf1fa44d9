import { type Dict, InvalidArgumentError } from '@interchange/protocol';
import { AsyncQueue } from './async-queue.js';
import { asyncDispose } from './dispose.js';
import { type EndedInfo, EndedSignal } from './ended-info.js';
import type { Event } from './event.js';
import type { Logger } from './logger.js';

/** An event handler. A thrown error (or rejected promise) is logged and does not stop delivery. */
export type EventHandler = (event: Event) => void | Promise<void>;

/**
 * A subscription to a topic (spec: basic "Subscribing and Unsubscribing").
 *
 * With a handler, each event is passed to it. Without one, the subscription is an
 * `AsyncIterable<Event>`: events are buffered (up to `bufferSize`, oldest dropped first and
 * counted in `dropped`) until the loop reads them. The loop ends when the subscription is
 * unsubscribed, revoked by the router, or the session is left; it throws `SessionClosedError`
 * (after the buffered events) when the session is lost otherwise. Leaving the loop early
 * (`break`) unsubscribes.
 *
 * @example
 * const sub = await session.subscribe('com.example.on_vote');
 * for await (const event of sub) console.log(event.args);
 */
export class Subscription implements AsyncIterable<Event> {
  /** The subscription ID the broker assigned; shared by local subscriptions to the same topic. */
  readonly id: number;
  /** The URI (or pattern) subscribed to. */
  readonly topic: string;
  /** The SUBSCRIBE.Options sent. */
  readonly options: Dict;
  readonly #handler: EventHandler | undefined;
  readonly #queue: AsyncQueue<Event> | undefined;
  readonly #logger: Logger;
  readonly #unsubscribe: (subscription: Subscription) => Promise<void>;
  #active = true;
  #revocationReason: string | undefined;
  readonly #ended = new EndedSignal();

  /** @internal Created by the session on SUBSCRIBED. */
  constructor(init: {
    id: number;
    topic: string;
    options: Dict;
    handler: EventHandler | undefined;
    bufferSize: number;
    logger: Logger;
    unsubscribe: (subscription: Subscription) => Promise<void>;
  }) {
    this.id = init.id;
    this.topic = init.topic;
    this.options = init.options;
    this.#handler = init.handler;
    this.#logger = init.logger;
    this.#unsubscribe = init.unsubscribe;
    if (init.handler === undefined) {
      this.#queue = new AsyncQueue<Event>(init.bufferSize, {
        onReturn: () => {
          this.unsubscribe().catch((error: unknown) => {
            this.#logger.debug({ topic: this.topic, err: error }, 'unsubscribe after loop exit failed');
          });
        },
        onDrop: (dropped) => {
          this.#logger.warn({ topic: this.topic, dropped }, 'subscription buffer full: dropped the oldest event');
        },
      });
    }
  }

  /** False once unsubscribed, revoked by the router, or the session closed. */
  get active(): boolean {
    return this.#active;
  }

  /** Events dropped because the buffer was full (always 0 with a handler). */
  get dropped(): number {
    return this.#queue?.dropped ?? 0;
  }

  /** The reason the router gave when it revoked this subscription, if it did. */
  get revocationReason(): string | undefined {
    return this.#revocationReason;
  }

  /**
   * Resolves when the subscription ends: unsubscribed here, revoked by the router (spec:
   * advanced "Subscription Revocation"), or the session closed. Never rejects.
   */
  get ended(): Promise<EndedInfo> {
    return this.#ended.promise;
  }

  /**
   * Unsubscribes; resolves once the broker confirmed (or at once, when other local subscriptions
   * still share the broker subscription). Does nothing if no longer active.
   */
  unsubscribe(): Promise<void> {
    return this.#unsubscribe(this);
  }

  /** `await using sub = await session.subscribe(...)` unsubscribes at scope exit. */
  async [asyncDispose](): Promise<void> {
    await this.unsubscribe();
  }

  /** @throws InvalidArgumentError when the subscription has a handler (events go there instead). */
  [Symbol.asyncIterator](): AsyncIterator<Event> {
    if (this.#queue === undefined) {
      throw new InvalidArgumentError(`subscription to ${this.topic} has a handler; subscribe without one to iterate`);
    }
    return this.#queue[Symbol.asyncIterator]();
  }

  /** @internal Hands one event to the handler or the buffer. */
  deliver(event: Event): void {
    if (!this.#active) return;
    const handler = this.#handler;
    if (handler === undefined) {
      this.#queue?.push(event);
      return;
    }
    try {
      const outcome = handler(event);
      if (outcome instanceof Promise) {
        outcome.catch((error: unknown) => this.#logHandlerError(error));
      }
    } catch (error) {
      this.#logHandlerError(error);
    }
  }

  /** @internal Ends the subscription; the iterator finishes after draining, or throws `error`. */
  deactivate(how: EndedInfo['how'], options: { error?: unknown; revocationReason?: string } = {}): void {
    if (!this.#active) return;
    this.#active = false;
    if (options.revocationReason !== undefined) this.#revocationReason = options.revocationReason;
    if (options.error !== undefined) this.#queue?.fail(options.error);
    else this.#queue?.end();
    this.#ended.end({ how, reason: options.revocationReason });
  }

  #logHandlerError(error: unknown): void {
    this.#logger.warn({ topic: this.topic, err: error }, 'event handler failed');
  }
}
