import type { Logger } from './logger.js';
import type { Peer } from './session/peer.js';

/** Who hit a bound: a session as the broker and dealer know it. */
export interface Offender {
  readonly id: number;
  readonly authid: string;
  readonly authrole: string;
}

/**
 * The remote address of a session, as the transport reported it (`tcp4:127.0.0.1:53122`), or
 * `undefined` for a member that is no router session (unit tests, the router's own sessions).
 */
export function peerAddressOf(member: object): string | undefined {
  const peer = (member as { peer?: Peer }).peer;
  return peer?.info?.peer;
}

/**
 * Logs a bound being hit once per offending session and bound, with its peer address, so a
 * flood is named in the log without the log becoming the flood; counts every hit, for metrics
 * (docs/security.md). Sessions are held weakly: a closed session's entry goes with it.
 */
export class OffenderLog {
  readonly #logger: Logger;
  readonly #logged = new Map<string, WeakSet<object>>();
  /** Hits per bound since start, logged or not. */
  readonly hits = new Map<string, number>();

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Records that `offender` hit `limit` (a config key such as `limits.retained_topics`). */
  hit(limit: string, offender: Offender, message: string, fields: Record<string, unknown> = {}): void {
    this.hits.set(limit, (this.hits.get(limit) ?? 0) + 1);
    let logged = this.#logged.get(limit);
    if (logged === undefined) {
      logged = new WeakSet();
      this.#logged.set(limit, logged);
    }
    if (logged.has(offender)) return;
    logged.add(offender);
    this.#logger.warn(
      {
        ...fields,
        limit,
        session: offender.id,
        authid: offender.authid,
        authrole: offender.authrole,
        peer: peerAddressOf(offender),
      },
      `${message} (logged once per session)`,
    );
  }
}
