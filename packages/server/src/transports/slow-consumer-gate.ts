/**
 * The slow-consumer policy (slow-consumer.ts) as one decision per outgoing message, for a
 * transport that writes straight to its socket (RawSocket): send it, drop it (an EVENT under
 * `drop`), or drop the connection. Logs once per run of drops and once at the disconnect, with
 * the peer address; counts into the service's counters.
 */
import type { WampMessage } from '@interchange/protocol';
import type { Logger } from '../logger.js';
import {
  DEFAULT_OUTBOUND_LIMIT,
  DEFAULT_SLOW_CONSUMER_POLICY,
  limitFor,
  type OutboundOptions,
} from './slow-consumer.js';

/** What to do with one outgoing message. */
export type GateDecision = 'send' | 'drop' | 'disconnect';

export class SlowConsumerGate {
  readonly limit: number;
  readonly #dropEvents: boolean;
  readonly #options: OutboundOptions | undefined;
  readonly #logger: Logger;
  readonly #peer: () => string;
  #dropStreak = 0;
  /** EVENTs this connection dropped under `drop`. */
  droppedEvents = 0;

  constructor(options: OutboundOptions | undefined, logger: Logger, peer: () => string) {
    this.limit = options?.limit ?? DEFAULT_OUTBOUND_LIMIT;
    this.#dropEvents = (options?.policy ?? DEFAULT_SLOW_CONSUMER_POLICY) === 'drop';
    this.#options = options;
    this.#logger = logger;
    this.#peer = peer;
  }

  /**
   * Decides for a message of `size` bytes when `pending` bytes are held for the connection. One
   * message always fits an empty buffer: the limit bounds what piles up, not message size.
   */
  decide(message: WampMessage, size: number, pending: number): GateDecision {
    if (pending === 0 || pending + size <= limitFor(message, this.limit)) {
      if (this.#dropStreak > 0) this.#endDropStreak();
      return 'send';
    }
    const counters = this.#options?.counters;
    if (this.#dropEvents && message.type === 'EVENT') {
      if (this.#dropStreak === 0)
        this.#logger.warn(
          { peer: this.#peer(), limit: this.limit, pending, config: 'options.outbound_limit' },
          'slow consumer: dropping events until it catches up',
        );
      this.#dropStreak++;
      this.droppedEvents++;
      if (counters !== undefined) {
        counters.droppedEvents++;
        counters.droppedBytes += size;
      }
      return 'drop';
    }
    this.#logger.warn(
      { peer: this.#peer(), limit: this.limit, pending, type: message.type, config: 'options.outbound_limit' },
      'slow consumer: disconnecting',
    );
    if (counters !== undefined) counters.disconnects++;
    return 'disconnect';
  }

  #endDropStreak(): void {
    this.#logger.info(
      { peer: this.#peer(), dropped: this.#dropStreak },
      'slow consumer caught up; events were dropped meanwhile',
    );
    this.#dropStreak = 0;
  }
}
