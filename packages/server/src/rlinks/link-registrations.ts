/**
 * One direction of a router link's call forwarding: every registration on the `watched` router
 * (its meta API: `wamp.registration.list`, `on_create`, `on_delete`) is made again, with the same
 * match and invocation policy, on the `mirror` router; a call that reaches the mirror is made on
 * the watched router and its result or error goes back to the caller.
 *
 * Loops: a registration held by a router link session is a mirror already and is not mirrored
 * again (link-hop.ts), and an invocation that arrives with `forward_for` came over a link
 * already: it is refused with `wamp.error.no_such_procedure` instead of being forwarded again.
 */
import { ApplicationError, type Invocation, type Registration, Result, type Session } from '@interchange/client';
import { ErrorUri } from '@interchange/protocol';
import type { Logger } from '../logger.js';
import { alreadyForwarded, hopOf, isLinkSession, listedIds, type WatchedEntry, watchedEntry } from './link-hop.js';

/** Options of {@link LinkRegistrations}. */
export interface LinkRegistrationsOptions {
  /** The session on the router whose registrations are mirrored, and where calls are made. */
  watched: Session;
  /** The session on the router where the mirrored registrations are made. */
  mirror: Session;
  logger: Logger;
}

interface Mirror {
  entry: WatchedEntry;
  registration: Registration | undefined;
  gone: boolean;
}

/** Mirrors the registrations of one router on another, and forwards their calls back. */
export class LinkRegistrations {
  readonly #options: LinkRegistrationsOptions;
  readonly #mirrors = new Map<number, Mirror>();
  readonly #meta: { unsubscribe(): Promise<void> }[] = [];
  #closed = false;

  constructor(options: LinkRegistrationsOptions) {
    this.#options = options;
  }

  /** How many registrations are mirrored now. */
  get size(): number {
    return [...this.#mirrors.values()].filter((mirror) => mirror.registration !== undefined).length;
  }

  /**
   * Watches the registrations of the watched router and mirrors the current ones.
   * @throws when the watched router refuses its meta API to the link session.
   */
  async start(): Promise<void> {
    const { watched } = this.#options;
    this.#meta.push(
      await watched.subscribe(
        'wamp.registration.on_create',
        (event) => void this.#add(event.args[0], watchedEntry(event.args[1])),
      ),
      await watched.subscribe('wamp.registration.on_delete', (event) => void this.#remove(event.args[1])),
    );
    const { args } = await watched.call('wamp.registration.list');
    for (const id of listedIds(args[0])) {
      const got = await watched.call('wamp.registration.get', [id]).catch(() => undefined);
      const callees = await watched.call('wamp.registration.list_callees', [id]).catch(() => undefined);
      const first = Array.isArray(callees?.args[0]) ? (callees.args[0] as unknown[])[0] : undefined;
      if (got !== undefined) await this.#add(first, watchedEntry(got.args[0]));
    }
  }

  /** Stops: the meta subscriptions and mirrored registrations still open are ended. */
  async close(): Promise<void> {
    this.#closed = true;
    const mirrors = [...this.#mirrors.values()];
    this.#mirrors.clear();
    await Promise.allSettled([
      ...this.#meta.map((subscription) => subscription.unsubscribe()),
      ...mirrors.map((mirror) => {
        mirror.gone = true;
        return mirror.registration?.unregister();
      }),
    ]);
  }

  async #add(registrant: unknown, entry: WatchedEntry | undefined): Promise<void> {
    if (entry === undefined || this.#closed || entry.uri.startsWith('wamp.') || this.#mirrors.has(entry.id)) return;
    const { watched, mirror, logger } = this.#options;
    const state: Mirror = { entry, registration: undefined, gone: false };
    this.#mirrors.set(entry.id, state);
    if (await isLinkSession(watched, registrant)) {
      // Kept in the map (without a registration) so its on_delete finds it and nothing retries it.
      logger.debug({ procedure: entry.uri }, 'router link: registration of a link session, not mirrored');
      return;
    }
    try {
      const registration = await mirror.register(entry.uri, (invocation) => this.#forward(invocation), {
        match: entry.match,
        ...(entry.invoke === undefined ? {} : { invoke: entry.invoke as never }),
      });
      if (state.gone) {
        await registration.unregister().catch(() => undefined);
        return;
      }
      state.registration = registration;
      logger.debug({ procedure: entry.uri, match: entry.match }, 'router link: registration mirrored');
    } catch (error) {
      if (error instanceof ApplicationError && error.uri === ErrorUri.PROCEDURE_ALREADY_EXISTS) {
        // The other router has a callee of its own (or another link's mirror): calls there stay there.
        logger.debug({ procedure: entry.uri }, 'router link: procedure registered on the other router already');
        return;
      }
      this.#mirrors.delete(entry.id);
      if (mirror.isOpen)
        logger.warn({ err: error, procedure: entry.uri }, 'router link: could not mirror a registration');
    }
  }

  async #remove(id: unknown): Promise<void> {
    if (typeof id !== 'number') return;
    const state = this.#mirrors.get(id);
    if (state === undefined) return;
    this.#mirrors.delete(id);
    state.gone = true;
    await state.registration?.unregister().catch(() => undefined);
    this.#options.logger.debug({ procedure: state.entry.uri }, 'router link: mirrored registration ended');
  }

  async #forward(invocation: Invocation): Promise<Result> {
    if (alreadyForwarded(invocation.details)) {
      throw new ApplicationError(ErrorUri.NO_SUCH_PROCEDURE, {
        args: [`${invocation.procedure} reached a router link over another link; it is not forwarded twice`],
      });
    }
    const { watched, mirror } = this.#options;
    const kwargs = Object.keys(invocation.kwargs).length === 0 ? {} : { kwargs: invocation.kwargs };
    // The caller's error (an ApplicationError with the callee's URI and payload) goes back as it is.
    const result = await watched.call(invocation.procedure, invocation.args, {
      ...kwargs,
      signal: invocation.signal,
      extra: { forward_for: [hopOf(invocation.details, 'caller', mirror)] },
    });
    return new Result(result.args, result.kwargs);
  }
}
