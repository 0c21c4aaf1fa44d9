/**
 * Answers to a peer's pings, bounded: a peer that sends pings and never reads must not make the
 * node hold a pong for each (issue 12: a PING flood took a node from 80 MB to 1.5 GB).
 *
 * While the socket takes what is written, a pong goes out at once. Once it has more buffered
 * than its high-water mark (`writableNeedDrain`: the peer is not reading), only the most recent
 * ping is remembered and answered when the socket drains. RFC 6455 section 5.5.3 allows this
 * ("MAY elect to send a Pong frame for only the most recently processed Ping frame"); the
 * RawSocket spec asks for a PONG per PING, but a peer that does not read cannot tell, and the
 * alternative is memory without bound. What the pongs hold is counted in the socket's
 * `writableLength`, so it is part of the connection's outbound limit (slow-consumer.ts).
 */
import type { Writable } from 'node:stream';

export class PongBudget {
  readonly #socket: Writable;
  readonly #write: (payload: Uint8Array) => void;
  /** The payload of the newest unanswered ping, while the socket drains. */
  #pending: Uint8Array | undefined;
  /** Pongs left out because a newer ping came before the socket drained. */
  coalesced = 0;

  /** @param write sends a pong with `payload` (framed for the transport). */
  constructor(socket: Writable, write: (payload: Uint8Array) => void) {
    this.#socket = socket;
    this.#write = write;
  }

  /** A ping arrived with `payload` (a view the caller may reuse: copied when kept). */
  answer(payload: Uint8Array): void {
    const socket = this.#socket;
    if (!socket.writableNeedDrain) {
      this.#write(payload);
      return;
    }
    if (this.#pending === undefined) socket.once('drain', () => this.#drained());
    else this.coalesced++;
    this.#pending = Uint8Array.prototype.slice.call(payload);
  }

  #drained(): void {
    const payload = this.#pending;
    this.#pending = undefined;
    if (payload !== undefined && this.#socket.writable) this.#write(payload);
  }
}
