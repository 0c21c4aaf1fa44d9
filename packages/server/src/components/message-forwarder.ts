/**
 * The message forwarder bridge (Crossbar's `crossbar.bridge.rest.MessageForwarder`): subscribes
 * to topics (exact, prefix or wildcard) and sends each event as an HTTP request with the JSON
 * body `{"args": [...], "kwargs": {...}}` to the subscription's URL. A response other than the
 * expected status code, or a failed request, is logged as an error; the next event is sent
 * regardless (an event has no one to report a failure to).
 *
 * Events of one subscription go out one at a time, in order. A request is abandoned after a
 * timeout, and at most a bounded number of events wait per subscription: a receiver that hangs
 * or falls behind costs a bounded amount of memory, and the events beyond the bound are dropped
 * (logged once per run of drops, with their count).
 */
import type { Event, Session } from '@interchange/client';
import { InvalidArgumentError } from '@interchange/protocol';
import { type MessageForwarderExtra, messageForwarderExtraSchema } from '../config/component-schema.js';
import type { Logger } from '../logger.js';
import { redactUrls, safeUrl, truncatedBody } from '../web/safe-url.js';

/** One forwarded event: where it went and how the receiver answered. */
export interface ForwardOutcome {
  topic: string;
  url: string;
  /** The HTTP status, or undefined when the request failed. */
  status: number | undefined;
  /** Whether the status was the expected one (true when none is expected and a response came). */
  ok: boolean;
  /** Whether the event was dropped unsent because the subscription's queue was full. */
  dropped: boolean;
}

/** Milliseconds a forwarded request may take when `extra.timeout` does not say. */
export const DEFAULT_FORWARD_TIMEOUT_MS = 10_000;
/** Events waiting per subscription when `extra.queue_limit` does not say. */
export const DEFAULT_FORWARD_QUEUE_LIMIT = 1000;

/** Options of {@link messageForwarder}. */
export interface MessageForwarderOptions {
  logger: Logger;
  fetch?: typeof fetch;
  /** Told about every forwarded or dropped event (tests, metrics). */
  onForwarded?: (outcome: ForwardOutcome) => void;
  /** Milliseconds a request may take when `extra.timeout` does not say; {@link DEFAULT_FORWARD_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Events waiting per subscription when `extra.queue_limit` does not say; {@link DEFAULT_FORWARD_QUEUE_LIMIT}. */
  queueLimit?: number;
}

/** Parses the component's `extra`. @throws InvalidArgumentError naming what is wrong. */
export function parseMessageForwarderExtra(extra: unknown): MessageForwarderExtra {
  const result = messageForwarderExtraSchema.safeParse(extra);
  if (!result.success) {
    const problems = result.error.issues
      .map((issue) => `${issue.path.join('.') || 'extra'}: ${issue.message}`)
      .join('; ');
    throw new InvalidArgumentError(`MessageForwarder extra is invalid: ${problems}`);
  }
  return result.data;
}

/** The body of a forwarded event, as Crossbar sends it. */
export function forwardedBody(event: Pick<Event, 'args' | 'kwargs'>): string {
  return JSON.stringify({ args: event.args, kwargs: event.kwargs });
}

/** What one subscription forwards, and how. */
interface ForwardTarget {
  url: string;
  method: string;
  expected: number | undefined;
  timeoutMs: number;
  queueLimit: number;
  debug: boolean;
}

/**
 * The sender of one subscription: one request at a time, so the receiver sees events in
 * publication order, and at most `queueLimit` events queued or in flight.
 */
function subscriptionForwarder(
  target: ForwardTarget,
  options: MessageForwarderOptions,
  fetchImpl: typeof fetch,
): (event: Event) => void {
  const { logger } = options;
  const { url, method, expected } = target;
  // Logs name the receiver without userinfo or query, which may hold credentials.
  const shown = safeUrl(url);
  const report = (outcome: ForwardOutcome): void => {
    try {
      options.onForwarded?.(outcome);
    } catch (error) {
      logger.error({ err: error }, 'message forwarder: onForwarded failed');
    }
  };

  const send = async (event: Event): Promise<void> => {
    let status: number | undefined;
    try {
      const response = await fetchImpl(url, {
        method,
        headers: { 'content-type': 'application/json' },
        body: forwardedBody(event),
        // Also bounds reading the answer: a receiver that never finishes does not stall the queue.
        signal: AbortSignal.timeout(target.timeoutMs),
      });
      status = response.status;
      const text = await response.text();
      if (target.debug)
        logger.debug(
          { topic: event.topic, url: shown, status, body: truncatedBody(text) },
          'message forwarder response',
        );
      if (expected !== undefined && status !== expected) {
        logger.error(
          { topic: event.topic, url: shown, status, expected },
          `message forwarder: request returned ${status}, not the expected ${expected}`,
        );
      }
    } catch (error) {
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      const message = timedOut
        ? `no answer within ${target.timeoutMs} ms`
        : error instanceof Error
          ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ''}`
          : String(error);
      logger.error(
        { topic: event.topic, url: shown, reason: redactUrls(message) },
        'message forwarder: request failed',
      );
    }
    const ok = status !== undefined && (expected === undefined || status === expected);
    report({ topic: event.topic, url, status, ok, dropped: false });
  };

  let queue: Promise<void> = Promise.resolve();
  /** Events queued or in flight. */
  let pending = 0;
  /** Events dropped since the queue was last empty. */
  let dropStreak = 0;
  let droppedTotal = 0;
  const settled = (): void => {
    pending -= 1;
    if (pending === 0 && dropStreak > 0) {
      logger.info(
        { url: shown, dropped: dropStreak, droppedTotal },
        'message forwarder caught up; events were dropped meanwhile',
      );
      dropStreak = 0;
    }
  };
  return (event) => {
    if (pending >= target.queueLimit) {
      // Warn once per run of drops: a stalled receiver must not turn every event into a log line.
      if (dropStreak === 0)
        logger.warn(
          { topic: event.topic, url: shown, limit: target.queueLimit },
          'message forwarder: queue full; dropping events until the receiver catches up',
        );
      dropStreak += 1;
      droppedTotal += 1;
      report({ topic: event.topic, url, status: undefined, ok: false, dropped: true });
      return;
    }
    pending += 1;
    queue = queue.then(() => send(event)).then(settled, settled);
  };
}

/**
 * The entry point of the message forwarder component.
 *
 * @example
 * // config: { type: 'class', classname: 'crossbar.bridge.rest.MessageForwarder', realm: 'realm1',
 * //   extra: { subscriptions: [{ topic: 'news.', match: 'prefix', url: 'http://backend/news' }], expectedcode: 200 } }
 */
export function messageForwarder(
  options: MessageForwarderOptions,
): (session: Session, extra: unknown) => Promise<void> {
  const fetchImpl = options.fetch ?? fetch;
  const { logger } = options;
  return async (session, extra) => {
    const config = parseMessageForwarderExtra(extra);
    const timeoutMs =
      config.timeout === undefined ? (options.timeoutMs ?? DEFAULT_FORWARD_TIMEOUT_MS) : config.timeout * 1000;
    const queueLimit = config.queue_limit ?? options.queueLimit ?? DEFAULT_FORWARD_QUEUE_LIMIT;
    for (const subscription of config.subscriptions) {
      const forward = subscriptionForwarder(
        {
          url: subscription.url,
          method: (subscription.method ?? config.method ?? 'POST').toUpperCase(),
          expected: subscription.expectedcode ?? config.expectedcode,
          timeoutMs,
          queueLimit,
          debug: config.debug === true,
        },
        options,
        fetchImpl,
      );
      await session.subscribe(subscription.topic, forward, { match: subscription.match ?? 'exact' });
      logger.info(
        { topic: subscription.topic, match: subscription.match ?? 'exact', url: safeUrl(subscription.url) },
        'message forwarder subscribed',
      );
    }
  };
}
