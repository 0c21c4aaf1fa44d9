import type { EventMessage } from '@interchange/protocol';
import type { RealmMember } from '../realm/realm-member.js';

/**
 * Where the broker adds a publication's deliveries: the router's counters
 * (router-stats.ts, `RouterStats.countEvents`), behind `interchange_messages_sent_total{type="EVENT"}`.
 */
export interface DeliveryCounter {
  /** Counts `n` EVENTs handed to transports. */
  countEvents(n: number): void;
}

/**
 * Hands one EVENT of a fan-out to `member`. Returns 1 when the broker is to count it, 0 when
 * not: a closing session gets nothing and counts nothing, and a member without
 * `deliverEvent` (a test double) is sent the EVENT through `send`, which counts for itself.
 *
 * Why the broker counts: at 10,000 receivers a publication otherwise pays 10,000 increments of
 * the router's shared counter; summed in a local and added once, the count costs one add a
 * publication (issue 14: counting must not cost the hot path measurably; BENCHMARKS.md,
 * "The cost of counting"). The figures are the same as counting per receiver.
 */
export function deliverEvent(member: RealmMember, event: EventMessage): number {
  if (member.deliverEvent === undefined) {
    member.send(event);
    return 0;
  }
  return member.deliverEvent(event) ? 1 : 0;
}
