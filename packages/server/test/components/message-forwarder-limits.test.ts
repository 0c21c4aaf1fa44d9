/**
 * The message forwarder against receivers that hang or fall behind: a request is abandoned after
 * its timeout, the events waiting per subscription are bounded (the rest dropped, logged once per
 * run with a count), and logs carry no credentials, query or long response bodies.
 */
import { Event, type Session } from '@interchange/client';
import { describe, expect, it } from 'vitest';
import {
  type ForwardOutcome,
  messageForwarder,
  parseMessageForwarderExtra,
} from '../../src/components/message-forwarder.js';
import { recordingLogger } from '../support/recording.js';

/** A session whose subscriptions the test feeds by hand. */
function fakeSession(): { session: Session; publish: (topic: string, args?: unknown[]) => void } {
  const handlers = new Map<string, (event: Event) => void>();
  let publication = 0;
  const session = {
    subscribe: async (topic: string, handler: (event: Event) => void) => {
      handlers.set(topic, handler);
    },
  } as unknown as Session;
  return {
    session,
    publish: (topic, args = []) => {
      publication += 1;
      handlers.get(topic)?.(new Event({ args, kwargs: {}, details: {}, topic, publication, subscription: 1 }));
    },
  };
}

/** Resolves after pending promise callbacks (the forwarder's queue) have run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('message forwarder limits', () => {
  it('abandons a request the receiver does not answer within the timeout, and goes on with the next', async () => {
    const log = recordingLogger();
    const outcomes: ForwardOutcome[] = [];
    const seen: unknown[] = [];
    const hanging = (async (_url: string | URL | Request, init?: RequestInit) => {
      seen.push(JSON.parse(String(init?.body)).args[0]);
      const signal = init?.signal;
      if (!signal) throw new Error('forwarded without a timeout');
      // Never answers: only the signal ends the request.
      return new Promise<Response>((_resolve, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason));
      });
    }) as typeof fetch;
    const { session, publish } = fakeSession();
    await messageForwarder({
      logger: log.logger,
      fetch: hanging,
      timeoutMs: 20,
      onForwarded: (outcome) => outcomes.push(outcome),
    })(session, { subscriptions: [{ topic: 'a', url: 'http://backend/hook' }] });
    publish('a', [1]);
    publish('a', [2]);
    const failure = await log.waitFor((e) => e.msg === 'message forwarder: request failed');
    expect(failure.obj).toMatchObject({ topic: 'a', url: 'http://backend/hook', reason: 'no answer within 20 ms' });
    await log.waitFor((e) => e.msg === 'message forwarder: request failed' && e !== failure);
    expect(seen).toEqual([1, 2]);
    expect(outcomes.map((o) => [o.status, o.ok, o.dropped])).toEqual([
      [undefined, false, false],
      [undefined, false, false],
    ]);
  });

  it('takes the timeout in seconds from extra.timeout', async () => {
    const log = recordingLogger();
    const hanging = (async (_url: string | URL | Request, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      })) as typeof fetch;
    const { session, publish } = fakeSession();
    await messageForwarder({ logger: log.logger, fetch: hanging, timeoutMs: 60_000 })(session, {
      subscriptions: [{ topic: 'a', url: 'http://backend/hook' }],
      timeout: 0.02,
    });
    publish('a');
    const failure = await log.waitFor((e) => e.msg === 'message forwarder: request failed');
    expect(failure.obj.reason).toBe('no answer within 20 ms');
  });

  it('keeps at most queue_limit events waiting; drops the rest, warning once per run with a count', async () => {
    const log = recordingLogger();
    const outcomes: ForwardOutcome[] = [];
    const answers: (() => void)[] = [];
    const sent: unknown[] = [];
    const slow = (async (_url: string | URL | Request, init?: RequestInit) => {
      sent.push(JSON.parse(String(init?.body)).args[0]);
      await new Promise<void>((resolve) => answers.push(resolve));
      return new Response('ok');
    }) as typeof fetch;
    const { session, publish } = fakeSession();
    await messageForwarder({ logger: log.logger, fetch: slow, onForwarded: (o) => outcomes.push(o) })(session, {
      subscriptions: [{ topic: 'a', url: 'http://backend/hook' }],
      queue_limit: 3,
    });
    for (let i = 1; i <= 10; i++) publish('a', [i]);
    await settle();
    const warnings = () => log.entries.filter((e) => e.level === 'warn');
    expect(warnings()).toEqual([
      expect.objectContaining({
        msg: 'message forwarder: queue full; dropping events until the receiver catches up',
        obj: expect.objectContaining({ url: 'http://backend/hook', limit: 3 }),
      }),
    ]);
    expect(outcomes.filter((o) => o.dropped)).toHaveLength(7);
    // The receiver answers: the three queued events go out in order, then the drops are counted.
    while (sent.length < 3 || answers.length > 0) {
      answers.shift()?.();
      await settle();
    }
    expect(sent).toEqual([1, 2, 3]);
    const caughtUp = await log.waitFor((e) => e.msg === 'message forwarder caught up; events were dropped meanwhile');
    expect(caughtUp.obj).toMatchObject({ dropped: 7, droppedTotal: 7 });
    // A new run of drops warns again.
    for (let i = 11; i <= 15; i++) publish('a', [i]);
    await settle();
    expect(warnings()).toHaveLength(2);
    while (answers.length > 0 || sent.length < 6) {
      answers.shift()?.();
      await settle();
    }
    expect(sent).toEqual([1, 2, 3, 11, 12, 13]);
  });

  it('logs receiver URLs without credentials or query, and response bodies only at debug, truncated', async () => {
    const log = recordingLogger();
    const answer = (async () => new Response('x'.repeat(5000), { status: 500 })) as typeof fetch;
    const failing = (async () => {
      throw new TypeError('Request cannot be constructed from a URL that includes credentials: http://u:pw@b/x?t=tok');
    }) as typeof fetch;
    for (const fetchImpl of [answer, failing]) {
      const { session, publish } = fakeSession();
      await messageForwarder({ logger: log.logger, fetch: fetchImpl })(session, {
        subscriptions: [{ topic: 'a', url: 'http://user:pw@backend/hook?token=tok' }],
        expectedcode: 200,
        debug: true,
      });
      publish('a');
    }
    await log.waitFor((e) => e.msg === 'message forwarder: request failed');
    await log.waitFor((e) => /not the expected 200/.test(e.msg ?? ''));
    const logged = JSON.stringify(log.entries);
    expect(logged).not.toContain('pw');
    expect(logged).not.toContain('tok');
    expect(logged).toContain('http://backend/hook');
    const bodies = log.entries.filter((e) => 'body' in e.obj);
    expect(bodies.map((e) => e.level)).toEqual(['debug']);
    expect(String(bodies[0]?.obj.body).length).toBeLessThan(600);
  });

  it('checks extra.timeout and extra.queue_limit', () => {
    const subscriptions = [{ topic: 'a', url: 'http://backend/hook' }];
    expect(parseMessageForwarderExtra({ subscriptions, timeout: 2.5, queue_limit: 10 })).toMatchObject({
      timeout: 2.5,
      queue_limit: 10,
    });
    expect(() => parseMessageForwarderExtra({ subscriptions, timeout: 0 })).toThrow(/timeout/);
    expect(() => parseMessageForwarderExtra({ subscriptions, queue_limit: 0 })).toThrow(/queue_limit/);
  });
});
