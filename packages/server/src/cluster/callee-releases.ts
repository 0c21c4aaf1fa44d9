import type { RealmMember } from '@interchange/router';

/**
 * How long UNREGISTERED or a GOODBYE reply waits at the most for NATS to store a callee's
 * release (ms), as long as a cluster-wide meta procedure waits for the other nodes: cut off
 * from NATS, the callee is answered anyway (the release is written on reconnect, see
 * registration-claims.ts `watched`).
 */
export const RELEASE_WAIT_MS = 2000;

/**
 * The releases of local callees still on their way to NATS (their claim and their table entry),
 * per session (docs/scaling.md, "Registering"). The dealer's UNREGISTERED waits for the release
 * of that one registration; the router's GOODBYE reply waits for every release of the session,
 * so a client that heard either can register the procedure on any node at once. Each release is
 * forgotten when it settles, so a session that registers and unregisters for ever holds nothing.
 */
export class CalleeReleases {
  readonly #pending = new Map<RealmMember, Set<Promise<void>>>();

  /**
   * Tracks the writes releasing `session` from one registration; returns one promise that
   * settles when all did, or after {@link RELEASE_WAIT_MS}; `undefined` when there is nothing.
   */
  add(session: RealmMember, writes: readonly (Promise<void> | undefined)[]): Promise<void> | undefined {
    const pending = writes.filter((w): w is Promise<void> => w !== undefined);
    if (pending.length === 0) return undefined;
    const released = within(Promise.all(pending).then(() => undefined));
    let own = this.#pending.get(session);
    if (own === undefined) {
      own = new Set();
      this.#pending.set(session, own);
    }
    own.add(released);
    void released.then(() => {
      const set = this.#pending.get(session);
      set?.delete(released);
      if (set?.size === 0) this.#pending.delete(session);
    });
    return released;
  }

  /** Every release of `session` still on its way, as one promise; `undefined` when none is. */
  of(session: RealmMember): Promise<void> | undefined {
    const own = this.#pending.get(session);
    if (own === undefined) return undefined;
    return Promise.all(own).then(() => undefined);
  }
}

/** `promise`, or nothing after {@link RELEASE_WAIT_MS}; never rejects. */
function within(promise: Promise<void>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, RELEASE_WAIT_MS);
    timer.unref();
  });
  return Promise.race([promise.catch(() => undefined), timeout]).finally(() => clearTimeout(timer));
}
