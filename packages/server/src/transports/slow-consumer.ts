/**
 * The slow-consumer policy (docs/architecture.md, "How a message travels", step 5): a receiver whose
 * outbound buffer would pass its limit never makes the router hold more for it.
 *
 * - `drop`: EVENTs that do not fit are dropped and counted (WAMP events are delivered at most
 *   once; the subscriber misses those it could not take). Any other message that does not fit
 *   (a RESULT, an INVOCATION, a SUBSCRIBED...) cannot be dropped without breaking the session's
 *   request/response state, so the connection is dropped instead.
 * - `disconnect`: the connection is dropped at the first message that does not fit. The client
 *   sees the connection close (and an Autobahn-style client reconnects), rather than silently
 *   missing events; this is the default, as NATS and Centrifugo do with slow clients.
 *
 * What counts is what the process holds for the connection: frames buffered in this tick plus
 * what the socket has not yet handed to the kernel (`writableLength`); the kernel's own socket
 * buffer is bounded by the OS.
 */

/**
 * Replies to a session's own requests (RESULT, ERROR) may take its outbound buffer up to this
 * many times `outbound_limit`: a burst the client provoked itself, such as the ERRORs of all its
 * pending calls when their callee leaves (at most the realm's `limits.pending_calls_per_session`),
 * must not disconnect a client that reads (issue 12). The buffer stays bounded.
 */
export const REPLY_ALLOWANCE = 2;

/** The outbound limit that applies to `message`: replies get {@link REPLY_ALLOWANCE}. */
export function limitFor(message: { type: string }, limit: number): number {
  return message.type === 'RESULT' || message.type === 'ERROR' ? limit * REPLY_ALLOWANCE : limit;
}

/** What happens to a receiver that falls behind. */
export type SlowConsumerPolicy = 'drop' | 'disconnect';

/** The policies, for config validation. */
export const SLOW_CONSUMER_POLICIES: readonly SlowConsumerPolicy[] = ['drop', 'disconnect'];

/** Outbound bytes a connection may hold when the config sets no `outbound_limit`: 8 MiB. */
export const DEFAULT_OUTBOUND_LIMIT = 8 * 1024 * 1024;

/** The policy when the config sets no `slow_consumer`. */
export const DEFAULT_SLOW_CONSUMER_POLICY: SlowConsumerPolicy = 'disconnect';

/** Totals of slow-consumer actions, shared by the connections of a service (for logs and metrics). */
export class SlowConsumerCounters {
  /** EVENTs dropped under the `drop` policy. */
  droppedEvents = 0;
  /** Bytes of those EVENTs. */
  droppedBytes = 0;
  /** Connections dropped for falling behind. */
  disconnects = 0;
}

/** Outbound limits of one connection. */
export interface OutboundOptions {
  /** Bytes the process may hold for the connection before the policy applies. */
  limit: number;
  policy: SlowConsumerPolicy;
  /** Where drops and disconnects are counted; each connection counts its own as well. */
  counters?: SlowConsumerCounters | undefined;
}

/** The outbound options of a config's `options` block, with defaults. */
export function outboundOptionsOf(
  options: { outbound_limit?: number | undefined; slow_consumer?: SlowConsumerPolicy | undefined } | undefined,
  counters?: SlowConsumerCounters,
): OutboundOptions {
  return {
    limit: options?.outbound_limit ?? DEFAULT_OUTBOUND_LIMIT,
    policy: options?.slow_consumer ?? DEFAULT_SLOW_CONSUMER_POLICY,
    counters,
  };
}
