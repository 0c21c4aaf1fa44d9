/**
 * The dealer's and the broker's waits for a cluster backend's answers (a REGISTER's admission, a
 * call's catch-up with registrations of other nodes, a SUBSCRIBE's reaching the other nodes),
 * counted per session so that an answer arriving after its
 * session left is dropped instead of acted on. Separate from the dealer, which only says what
 * to do once the answer is there.
 */
import type { Logger } from '../logger.js';
import type { RealmMember } from '../realm/realm-member.js';

/** Sessions with a REGISTER, CALL or SUBSCRIBE waiting for the cluster, and how many. */
export class ClusterWaits {
  readonly #logger: Logger;
  readonly #waiting = new Map<RealmMember, number>();

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /**
   * Runs `then` with what `pending` resolves to, unless the session left meanwhile (then
   * `dropped`). A rejected promise counts as resolved with nothing to say.
   */
  wait<T>(session: RealmMember, pending: Promise<T>, then: (value: T) => void, dropped?: () => void): void {
    this.#waiting.set(session, (this.#waiting.get(session) ?? 0) + 1);
    const settle = (value: T) => {
      const count = this.#waiting.get(session);
      if (count === undefined) {
        dropped?.();
        return;
      }
      if (count <= 1) this.#waiting.delete(session);
      else this.#waiting.set(session, count - 1);
      then(value);
    };
    pending.then(settle, (error: unknown) => {
      this.#logger.warn({ err: error, session: session.id }, 'cluster answer failed; going on without it');
      settle({} as T);
    });
  }

  /** Forgets a session that left: answers still to come for it are dropped. */
  forget(session: RealmMember): void {
    this.#waiting.delete(session);
  }
}
