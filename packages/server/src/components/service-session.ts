/**
 * The router-side session a node service (an HTTP bridge path) acts through: joined in-process
 * with the service's realm and role when the node starts, and joined again on the next request
 * if it was closed meanwhile (for instance by a realm's meta API killing it).
 */
import type { Session } from '@interchange/client';
import type { Logger } from '../logger.js';
import type { SessionAcceptor } from '../session-acceptor.js';
import { joinInProcess } from './in-process-session.js';

/** Options of {@link ServiceSession}. */
export interface ServiceSessionOptions {
  router: SessionAcceptor;
  realm: string;
  authrole: string;
  /** The session's authid and the peer name the router logs. */
  name: string;
  logger: Logger;
}

/** A lazily re-joined in-process session. */
export class ServiceSession {
  readonly #options: ServiceSessionOptions;
  #current: Promise<Session> | undefined;
  #closed = false;

  constructor(options: ServiceSessionOptions) {
    this.#options = options;
  }

  /** Joins now, so a misconfigured realm or role fails the node's start. */
  async start(): Promise<void> {
    await this.get();
  }

  /**
   * The joined session, joining (again) when there is none.
   * @throws what joining throws; a later call tries again.
   */
  get(): Promise<Session> {
    if (this.#closed) return Promise.reject(new Error('the service is closed'));
    const current = this.#current;
    if (current !== undefined) {
      return current.then(
        (session) => (session.isOpen ? session : this.#join()),
        () => this.#join(),
      );
    }
    return this.#join();
  }

  /** Leaves the session, if it is open; later calls to `get` fail. */
  async close(): Promise<void> {
    this.#closed = true;
    const session = await this.#current?.catch(() => undefined);
    if (session?.isOpen) await session.leave().catch(() => undefined);
  }

  #join(): Promise<Session> {
    const { router, realm, authrole, name, logger } = this.#options;
    const joining = joinInProcess({ router, realm, authrole, authid: name, peer: name, logger });
    this.#current = joining;
    return joining;
  }
}
