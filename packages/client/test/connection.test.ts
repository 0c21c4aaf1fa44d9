import { InvalidArgumentError } from '@interchange/protocol';
import { describe, expect, it } from 'vitest';
import {
  Connection,
  type ConnectionCloseDetails,
  type ConnectionCloseReason,
  type ConnectionOptions,
  type Session,
  type Subscription,
} from '../src/index.js';
import { FakeClock, flush } from './helpers/fake-clock.js';
import { FakeNetwork } from './helpers/fake-network.js';

interface Harness {
  connection: Connection;
  network: FakeNetwork;
  clock: FakeClock;
  opened: Array<{ session: Session; details: Record<string, unknown> }>;
  closed: Array<{ reason: ConnectionCloseReason; details: ConnectionCloseDetails }>;
}

function harness(options: Partial<ConnectionOptions> = {}, onclose?: Connection['onclose']): Harness {
  const network = new FakeNetwork();
  const clock = new FakeClock();
  const connection = new Connection({
    realm: 'votesapp',
    transportFactory: network.factory,
    clock,
    retry_delay_jitter: 0,
    ...options,
  });
  const h: Harness = { connection, network, clock, opened: [], closed: [] };
  connection.onopen = (session, details) => void h.opened.push({ session, details });
  connection.onclose = (reason, details) => {
    h.closed.push({ reason, details });
    return onclose?.(reason, details);
  };
  return h;
}

/** Lets the clock pass `seconds` and the resulting attempt settle. */
async function wait(h: Harness, seconds: number): Promise<void> {
  h.clock.advance(Math.round(seconds * 1000));
  await flush();
}

describe('Connection', () => {
  it('opens, joins the realm and calls onopen with the session and the WELCOME details', async () => {
    const h = harness();
    h.connection.open();
    await flush();
    expect(h.opened).toHaveLength(1);
    const [{ session, details }] = h.opened as [Harness['opened'][number]];
    expect(session.id).toBe(1001);
    expect(session.realm).toBe('votesapp');
    expect(details['transport']).toEqual({ type: 'memory', url: null, protocol: null });
    expect(h.connection.isOpen).toBe(true);
    expect(h.connection.session).toBe(session);
    expect((h.network.last.received[0] as { type: string }).type).toBe('HELLO');
  });

  it('after a loss reconnects with a new session and calls onopen again; subscriptions are not restored', async () => {
    const h = harness();
    const subscriptions: Subscription[] = [];
    h.connection.onopen = (session) => {
      h.opened.push({ session, details: {} });
      if (h.opened.length === 1)
        void session.subscribe('com.example.on_vote', () => {}).then((s) => subscriptions.push(s));
    };
    h.connection.open();
    await flush();
    expect(subscriptions).toHaveLength(1);
    const first = h.network.last;
    expect(first.received.map((m) => m.type)).toEqual(['HELLO', 'SUBSCRIBE']);

    first.end.drop();
    await flush();
    expect(h.closed).toEqual([
      { reason: 'lost', details: { reason: null, message: null, retry_delay: 1.5, retry_count: 1, will_retry: true } },
    ]);
    expect(h.connection.isRetrying).toBe(true);
    expect(subscriptions[0]?.active).toBe(false);
    expect(h.opened[0]?.session.isOpen).toBe(false);

    await wait(h, 1.5);
    expect(h.opened).toHaveLength(2);
    const second = h.opened[1]?.session;
    expect(second).not.toBe(h.opened[0]?.session);
    expect(second?.id).toBe(1002);
    // The new session starts bare: nothing was re-subscribed for the application.
    expect(h.network.last.received.map((m) => m.type)).toEqual(['HELLO']);
  });

  it('grows the delay by retry_delay_growth up to max_retry_delay, and gives up after max_retries', async () => {
    const h = harness({ max_retries: 6, initial_retry_delay: 2, retry_delay_growth: 2, max_retry_delay: 20 });
    h.connection.open();
    await flush();
    h.network.plan.push('refuse', 'refuse', 'refuse', 'refuse', 'refuse', 'refuse');
    h.network.last.end.drop();
    await flush();
    for (const delay of [2, 4, 8, 16, 20, 20]) await wait(h, delay);
    expect(h.closed.map((c) => [c.reason, c.details.retry_count, c.details.retry_delay, c.details.will_retry])).toEqual(
      [
        ['lost', 1, 2, true],
        ['lost', 2, 4, true],
        ['lost', 3, 8, true],
        ['lost', 4, 16, true],
        ['lost', 5, 20, true],
        ['lost', 6, 20, true],
        ['lost', null, null, false],
      ],
    );
    expect(h.network.attempts).toBe(7);
    expect(h.clock.pending()).toEqual([]);
    expect(h.connection.isRetrying).toBe(false);
  });

  it('keeps jittered delays within ± retry_delay_jitter', async () => {
    for (const random of [0, 0.5, 0.999999]) {
      const h = harness({ retry_delay_jitter: 0.2, initial_retry_delay: 10, random: () => random });
      h.network.plan.push('refuse');
      h.connection.open();
      await flush();
      const delay = h.closed[0]?.details.retry_delay ?? Number.NaN;
      expect(delay).toBeGreaterThanOrEqual(8);
      expect(delay).toBeLessThanOrEqual(12);
      expect(h.clock.pending()[0]).toBeCloseTo(delay * 1000, 6);
    }
  });

  it('resets the retry count once a reconnect succeeds', async () => {
    const h = harness();
    h.network.plan.push('refuse', 'refuse');
    h.connection.open();
    await flush();
    await wait(h, 1.5);
    await wait(h, 2.25);
    expect(h.opened).toHaveLength(1);
    h.network.last.end.drop();
    await flush();
    expect(h.closed.map((c) => c.details.retry_count)).toEqual([1, 2, 1]);
    expect(h.closed.map((c) => c.reason)).toEqual(['unreachable', 'unreachable', 'lost']);
  });

  it('reports unreachable, and does not retry it when retry_if_unreachable is false', async () => {
    const h = harness({ retry_if_unreachable: false });
    h.network.plan.push('refuse');
    h.connection.open();
    await flush();
    expect(h.closed).toEqual([
      {
        reason: 'unreachable',
        details: {
          reason: null,
          message: 'connection refused',
          retry_delay: null,
          retry_count: null,
          will_retry: false,
        },
      },
    ]);
    expect(h.clock.pending()).toEqual([]);
  });

  it('stops retrying when onclose returns true', async () => {
    const h = harness({}, () => true);
    h.connection.open();
    await flush();
    h.network.last.end.drop();
    await flush();
    expect(h.closed[0]?.details.will_retry).toBe(true);
    expect(h.clock.pending()).toEqual([]);
    await wait(h, 10);
    expect(h.network.attempts).toBe(1);
    // Stopped for good: it can be opened again.
    h.connection.open();
    await flush();
    expect(h.opened).toHaveLength(2);
  });

  it('stops retrying after an ABORT, reporting its reason and message', async () => {
    const h = harness();
    h.network.plan.push({ abort: 'wamp.error.no_such_realm', message: 'no realm votesapp' });
    h.connection.open();
    await flush();
    expect(h.opened).toEqual([]);
    expect(h.closed).toEqual([
      {
        reason: 'closed',
        details: {
          reason: 'wamp.error.no_such_realm',
          message: 'no realm votesapp',
          retry_delay: null,
          retry_count: null,
          will_retry: false,
        },
      },
    ]);
    expect(h.clock.pending()).toEqual([]);
  });

  it('retries after the router says GOODBYE wamp.close.system_shutdown, on the retry schedule', async () => {
    const h = harness({ initial_retry_delay: 1 });
    h.connection.open();
    await flush();
    h.network.last.end.send({
      type: 'GOODBYE',
      details: { message: 'restarting' },
      reason: 'wamp.close.system_shutdown',
    });
    await flush();
    expect(h.closed).toEqual([
      {
        reason: 'closed',
        details: {
          reason: 'wamp.close.system_shutdown',
          message: 'restarting',
          retry_delay: 1,
          retry_count: 1,
          will_retry: true,
        },
      },
    ]);
    // The client answered the GOODBYE, then reconnects after the delay: a new session, onopen again.
    expect(h.network.last.received.map((m) => m.type)).toEqual(['HELLO', 'GOODBYE']);
    await wait(h, 1);
    expect(h.opened).toHaveLength(2);
  });

  it('stops retrying after any other GOODBYE from the router, like Autobahn', async () => {
    const h = harness();
    h.connection.open();
    await flush();
    h.network.last.end.send({ type: 'GOODBYE', details: { message: 'go away' }, reason: 'wamp.close.close_realm' });
    await flush();
    expect(h.closed).toEqual([
      {
        reason: 'closed',
        details: {
          reason: 'wamp.close.close_realm',
          message: 'go away',
          retry_delay: null,
          retry_count: null,
          will_retry: false,
        },
      },
    ]);
  });

  it('retry_on_system_shutdown: false stops at wamp.close.system_shutdown, like Autobahn', async () => {
    const h = harness({ retry_on_system_shutdown: false });
    h.connection.open();
    await flush();
    h.network.last.end.send({
      type: 'GOODBYE',
      details: { message: 'shutting down' },
      reason: 'wamp.close.system_shutdown',
    });
    await flush();
    expect(h.closed).toEqual([
      {
        reason: 'closed',
        details: {
          reason: 'wamp.close.system_shutdown',
          message: 'shutting down',
          retry_delay: null,
          retry_count: null,
          will_retry: false,
        },
      },
    ]);
    expect(h.network.last.received.map((m) => m.type)).toEqual(['HELLO', 'GOODBYE']);
  });

  it('close() leaves with GOODBYE, fires onclose once, and resolves', async () => {
    const h = harness();
    h.connection.open();
    await flush();
    await h.connection.close('wamp.close.close_realm', 'bye now');
    const goodbye = h.network.last.received[1];
    expect(goodbye).toEqual({ type: 'GOODBYE', details: { message: 'bye now' }, reason: 'wamp.close.close_realm' });
    expect(h.closed).toEqual([
      {
        reason: 'closed',
        details: {
          reason: 'wamp.close.goodbye_and_out',
          message: '',
          retry_delay: null,
          retry_count: null,
          will_retry: false,
        },
      },
    ]);
    expect(h.connection.isOpen).toBe(false);
    expect(h.connection.session).toBeNull();
    await h.connection.close(); // already closed: resolves
  });

  it('close() while waiting to retry cancels the retry', async () => {
    const h = harness();
    h.network.plan.push('refuse');
    h.connection.open();
    await flush();
    expect(h.connection.isRetrying).toBe(true);
    await h.connection.close();
    expect(h.clock.pending()).toEqual([]);
    await wait(h, 100);
    expect(h.network.attempts).toBe(1);
  });

  it('passes the session, method and extra to onchallenge and sends its answer', async () => {
    const seen: unknown[] = [];
    const h = harness({
      authid: 'alice',
      authmethods: ['ticket'],
      onchallenge: (session, method, extra) => {
        seen.push([session.realm, method, extra]);
        return 'ticket-123';
      },
    });
    h.network.plan.push({ challenge: 'ticket', extra: { hint: 'x' } });
    h.connection.open();
    await flush();
    expect(seen).toEqual([['votesapp', 'ticket', { hint: 'x' }]]);
    expect(h.network.last.received[1]).toEqual({ type: 'AUTHENTICATE', signature: 'ticket-123', extra: {} });
    expect(h.opened).toHaveLength(1);
  });

  it('throws when opened twice, and for missing url and transports', () => {
    const h = harness();
    h.connection.open();
    expect(() => h.connection.open()).toThrow(InvalidArgumentError);
    expect(() => new Connection({ realm: 'r' })).toThrow(InvalidArgumentError);
  });

  it("reports 'unsupported' when no configured transport type is supported", () => {
    const connection = new Connection({ realm: 'r', transports: [{ type: 'mqtt', url: 'mqtt://127.0.0.1' }] });
    const closes: unknown[] = [];
    connection.onclose = (reason, details) => void closes.push([reason, details.will_retry, details.message]);
    connection.open();
    expect(closes).toEqual([['unsupported', false, expect.stringContaining("unknown transport type 'mqtt'")]]);
  });
});
