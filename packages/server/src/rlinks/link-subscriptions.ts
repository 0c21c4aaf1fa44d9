/**
 * One direction of a router link's event forwarding: every subscription on the `watched` router
 * (its meta API: `wamp.subscription.list`, `on_create`, `on_delete`) is made again, with the same
 * match policy, on the `mirror` router; each event that arrives there is published on the
 * watched router, so the subscribers there get it.
 *
 * Loops and duplicates: the published event carries `forward_for` naming its publisher, and an
 * event that arrives with `forward_for` came over a link already and is not forwarded again. In a
 * full mesh of links every event takes exactly one hop, as with Crossbar's links.
 */
import type { Event, Session, Subscription } from '@interchange/client';
import type { Logger } from '../logger.js';
import { alreadyForwarded, hopOf, listedIds, type WatchedEntry, watchedEntry } from './link-hop.js';

/** Options of {@link LinkSubscriptions}. */
export interface LinkSubscriptionsOptions {
  /** The session on the router whose subscriptions are mirrored, and where events are published. */
  watched: Session;
  /** The session on the router where the mirrored subscriptions are made. */
  mirror: Session;
  /** Sessions with these authids do not get the published events (the link's `exclude_authid`). */
  excludeAuthid?: readonly string[];
  logger: Logger;
}

interface Mirror {
  entry: WatchedEntry;
  subscription: Subscription | undefined;
  gone: boolean;
}

/** Mirrors the subscriptions of one router on another, and forwards their events back. */
export class LinkSubscriptions {
  readonly #options: LinkSubscriptionsOptions;
  readonly #mirrors = new Map<number, Mirror>();
  readonly #meta: Subscription[] = [];
  /** Topics whose forwarding failed once: logged once, not per event. */
  readonly #failing = new Set<string>();
  #closed = false;

  constructor(options: LinkSubscriptionsOptions) {
    this.#options = options;
  }

  /** How many subscriptions are mirrored now. */
  get size(): number {
    return this.#mirrors.size;
  }

  /**
   * Watches the subscriptions of the watched router and mirrors the current ones.
   * @throws when the watched router refuses its meta API to the link session.
   */
  async start(): Promise<void> {
    const { watched } = this.#options;
    this.#meta.push(
      await watched.subscribe('wamp.subscription.on_create', (event) => void this.#add(watchedEntry(event.args[1]))),
      await watched.subscribe('wamp.subscription.on_delete', (event) => void this.#remove(event.args[1])),
    );
    const { args } = await watched.call('wamp.subscription.list');
    for (const id of listedIds(args[0])) {
      const got = await watched.call('wamp.subscription.get', [id]).catch(() => undefined);
      if (got !== undefined) await this.#add(watchedEntry(got.args[0]));
    }
  }

  /** Stops: the meta subscriptions and mirrored subscriptions still open are ended. */
  async close(): Promise<void> {
    this.#closed = true;
    const mirrors = [...this.#mirrors.values()];
    this.#mirrors.clear();
    const ending = [
      ...this.#meta.map((subscription) => subscription.unsubscribe()),
      ...mirrors.map((mirror) => {
        mirror.gone = true;
        return mirror.subscription?.unsubscribe();
      }),
    ];
    // A session already closed has ended its subscriptions itself.
    await Promise.allSettled(ending);
  }

  async #add(entry: WatchedEntry | undefined): Promise<void> {
    // The meta API's own topics stay on their router, as Crossbar's links leave them.
    if (entry === undefined || this.#closed || entry.uri.startsWith('wamp.') || this.#mirrors.has(entry.id)) return;
    const { mirror, logger } = this.#options;
    const state: Mirror = { entry, subscription: undefined, gone: false };
    this.#mirrors.set(entry.id, state);
    try {
      const subscription = await mirror.subscribe(entry.uri, (event) => this.#forward(event), {
        match: entry.match,
      });
      if (state.gone) {
        await subscription.unsubscribe().catch(() => undefined);
        return;
      }
      state.subscription = subscription;
      logger.debug({ topic: entry.uri, match: entry.match }, 'router link: subscription mirrored');
    } catch (error) {
      this.#mirrors.delete(entry.id);
      if (mirror.isOpen) logger.warn({ err: error, topic: entry.uri }, 'router link: could not mirror a subscription');
    }
  }

  async #remove(id: unknown): Promise<void> {
    if (typeof id !== 'number') return;
    const state = this.#mirrors.get(id);
    if (state === undefined) return;
    this.#mirrors.delete(id);
    state.gone = true;
    await state.subscription?.unsubscribe().catch(() => undefined);
    this.#options.logger.debug({ topic: state.entry.uri }, 'router link: mirrored subscription ended');
  }

  #forward(event: Event): void {
    if (this.#closed || alreadyForwarded(event.details)) return;
    const { watched, mirror, excludeAuthid, logger } = this.#options;
    const kwargs = Object.keys(event.kwargs).length === 0 ? {} : { kwargs: event.kwargs };
    const topic = event.topic;
    watched
      .publish(topic, event.args, {
        ...kwargs,
        acknowledge: true,
        exclude_me: true,
        ...(excludeAuthid === undefined || excludeAuthid.length === 0 ? {} : { exclude_authid: [...excludeAuthid] }),
        extra: { forward_for: [hopOf(event.details, 'publisher', mirror)] },
      })
      .then(
        () => this.#failing.delete(topic),
        (error: unknown) => {
          if (!watched.isOpen || this.#failing.has(topic)) return;
          // Bounded: past it, a failing topic is logged again rather than remembered.
          if (this.#failing.size >= 1000) this.#failing.clear();
          this.#failing.add(topic);
          logger.warn({ err: error, topic }, 'router link: could not forward an event');
        },
      );
  }
}
