/**
 * Re-subscribe and re-register after a reconnect, the opt-in `resubscribe` of the typed
 * `Connection` (connection.ts). Autobahn|JS restores nothing: each reconnect is a new session
 * and `onopen` sets it up again. With `resubscribe: true` the connection remembers what the
 * application subscribed and registered through its sessions, with the handlers and options it
 * gave, and does the same again on the next session before calling `onopen`. Whatever was
 * unsubscribed, unregistered or revoked by the router is forgotten; a subscription without a
 * handler (read as an async iterable) ends with its session and is not restored, since its
 * reader's loop has ended too.
 */
import { SessionClosedError } from '@interchange/protocol';
import type { RegisterOptions } from './callee.js';
import type { ProcedureHandler, Registration } from './registration.js';
import { Session } from './session.js';
import type { SubscribeOptions } from './subscriber.js';
import type { EventHandler, Subscription } from './subscription.js';

/** One subscription or registration a reconnect could not restore. */
export interface RestoreFailure {
  kind: 'subscription' | 'registration';
  /** The topic or procedure. */
  uri: string;
  /** Why: an `ApplicationError` from the router (e.g. `wamp.error.procedure_already_exists`), or the session closing. */
  error: unknown;
}

/** What a reconnect restored (the new objects, which replace the old session's) and what it could not. */
export interface RestoreReport {
  subscriptions: Subscription[];
  registrations: Registration[];
  failed: RestoreFailure[];
}

interface Entry {
  kind: RestoreFailure['kind'];
  uri: string;
  handler: EventHandler | ProcedureHandler;
  options: SubscribeOptions | RegisterOptions;
  /** The subscription or registration on the current session. */
  live: Subscription | Registration;
}

/** Remembers the subscriptions and registrations of one connection's sessions, and restores them. */
export class SessionRestorer {
  readonly #entries = new Set<Entry>();

  /** Watches `session.subscribe` and `session.register`, for what the application does through them. */
  track(session: Session): void {
    session.subscribe = async (topic, handler, options = {}) => {
      const subscription = await Session.prototype.subscribe.call(session, topic, handler, options);
      if (handler !== undefined) this.#keep({ kind: 'subscription', uri: topic, handler, options, live: subscription });
      return subscription;
    };
    session.register = async (procedure, handler, options = {}) => {
      const registration = await Session.prototype.register.call(session, procedure, handler, options);
      this.#keep({ kind: 'registration', uri: procedure, handler, options, live: registration });
      return registration;
    };
  }

  /** Whether there is anything to restore. */
  get isEmpty(): boolean {
    return this.#entries.size === 0;
  }

  /** Subscribes and registers everything remembered on `session`, all at once; never rejects. */
  async restore(session: Session): Promise<RestoreReport> {
    const report: RestoreReport = { subscriptions: [], registrations: [], failed: [] };
    await Promise.all(
      [...this.#entries].map(async (entry) => {
        try {
          if (entry.kind === 'subscription') {
            const subscription = await Session.prototype.subscribe.call(
              session,
              entry.uri,
              entry.handler as EventHandler,
              entry.options,
            );
            report.subscriptions.push(subscription);
            this.#keep({ ...entry, live: subscription }, entry);
          } else {
            const registration = await Session.prototype.register.call(
              session,
              entry.uri,
              entry.handler as ProcedureHandler,
              entry.options,
            );
            report.registrations.push(registration);
            this.#keep({ ...entry, live: registration }, entry);
          }
        } catch (error) {
          // Refused by the router: not retried after the next reconnect either; the application
          // learns of it from the report and decides. A session that closed meanwhile is no
          // refusal: the next reconnect tries again.
          if (!(error instanceof SessionClosedError)) this.#entries.delete(entry);
          report.failed.push({ kind: entry.kind, uri: entry.uri, error });
        }
      }),
    );
    return report;
  }

  /**
   * Remembers `entry` (in place of `replacing`) until its subscription or registration ends
   * otherwise than with its session: unsubscribed, unregistered or revoked.
   */
  #keep(entry: Entry, replacing?: Entry): void {
    if (replacing !== undefined) this.#entries.delete(replacing);
    this.#entries.add(entry);
    entry.live.ended.then((info) => {
      if (info.how !== 'session-closed') this.#entries.delete(entry);
    });
  }
}
