/**
 * A listener's bound on open connections from one remote address (`endpoint.max_connections_per_address`,
 * docs/security.md): past it, a new connection is closed at once, before any TLS or protocol
 * work, and the address is logged once until its count falls back to zero. Timeouts bound how
 * long an idle connection lasts; this bounds how many one host holds.
 */
import type { Socket } from 'node:net';
import type { Logger } from '../logger.js';

/** Connections one address may hold open on a listener, by default. */
export const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 1000;

export class ConnectionsPerAddress {
  readonly #max: number;
  readonly #logger: Logger;
  readonly #open = new Map<string, number>();
  /** Addresses refused since their count was last zero: logged once each. */
  readonly #logged = new Set<string>();
  /** Connections refused since start (for metrics). */
  refused = 0;

  constructor(max: number, logger: Logger) {
    this.#max = max;
    this.#logger = logger;
  }

  /** Counts a new connection; false (and the socket destroyed) when its address is at the bound. */
  admit(socket: Socket): boolean {
    const address = socket.remoteAddress;
    if (address === undefined) return true; // a Unix socket: one local peer
    const open = this.#open.get(address) ?? 0;
    if (open >= this.#max) {
      this.refused++;
      if (!this.#logged.has(address)) {
        this.#logged.add(address);
        this.#logger.warn(
          { peer: address, limit: 'endpoint.max_connections_per_address', bound: this.#max },
          'too many connections from one address; refusing more (logged once until they close)',
        );
      }
      socket.destroy();
      return false;
    }
    this.#open.set(address, open + 1);
    socket.once('close', () => {
      const left = (this.#open.get(address) ?? 1) - 1;
      if (left > 0) this.#open.set(address, left);
      else {
        this.#open.delete(address);
        this.#logged.delete(address);
      }
    });
    return true;
  }
}
