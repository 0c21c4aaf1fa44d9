/**
 * The message forwarder bridge (Crossbar's `crossbar.bridge.rest.MessageForwarder`): subscribes
 * to topics (exact, prefix or wildcard) and sends each event as an HTTP request with the JSON
 * body `{"args": [...], "kwargs": {...}}` to the subscription's URL. A response other than the
 * expected status code, or a failed request, is logged as an error; the next event is sent
 * regardless (an event has no one to report a failure to).
 */
import type { Event, Session } from '@interchange/client';
import { InvalidArgumentError } from '@interchange/protocol';
import { type MessageForwarderExtra, messageForwarderExtraSchema } from '../config/component-schema.js';
import type { Logger } from '../logger.js';

/** One forwarded event: where it went and how the receiver answered. */
export interface ForwardOutcome {
  topic: string;
  url: string;
  /** The HTTP status, or undefined when the request failed. */
  status: number | undefined;
  /** Whether the status was the expected one (true when none is expected and a response came). */
  ok: boolean;
}

/** Options of {@link messageForwarder}. */
export interface MessageForwarderOptions {
  logger: Logger;
  fetch?: typeof fetch;
  /** Told about every forwarded event (tests, metrics). */
  onForwarded?: (outcome: ForwardOutcome) => void;
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
    for (const subscription of config.subscriptions) {
      const method = (subscription.method ?? config.method ?? 'POST').toUpperCase();
      const expected = subscription.expectedcode ?? config.expectedcode;
      const { url } = subscription;
      const send = async (event: Event): Promise<void> => {
        let status: number | undefined;
        try {
          const response = await fetchImpl(url, {
            method,
            headers: { 'content-type': 'application/json' },
            body: forwardedBody(event),
          });
          status = response.status;
          const text = await response.text();
          if (config.debug === true)
            logger.debug({ topic: event.topic, url, status, body: text }, 'message forwarder response');
          if (expected !== undefined && status !== expected) {
            logger.error(
              { topic: event.topic, url, status, expected },
              `message forwarder: request returned ${status}, not the expected ${expected}`,
            );
          }
        } catch (error) {
          logger.error({ topic: event.topic, url, err: error }, 'message forwarder: request failed');
        }
        const ok = status !== undefined && (expected === undefined || status === expected);
        options.onForwarded?.({ topic: event.topic, url, status, ok });
      };
      // One request at a time per subscription, so the receiver sees events in publication order.
      let queue: Promise<void> = Promise.resolve();
      const forward = (event: Event): void => {
        queue = queue.then(() => send(event));
      };
      await session.subscribe(subscription.topic, forward, { match: subscription.match ?? 'exact' });
      logger.info(
        { topic: subscription.topic, match: subscription.match ?? 'exact', url },
        'message forwarder subscribed',
      );
    }
  };
}
