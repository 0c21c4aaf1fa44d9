import { ErrorUri } from '@interchange/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthThrottle, remoteAddress } from '../../src/auth/auth-throttle.js';
import type { TransportAuthConfig } from '../../src/auth/transport-auth.js';
import { expectCleanTraffic, FakeClock, type TestClient } from '../harness.js';
import { authenticate, authRouter, clientAt, expectAuthFailed, hello } from './auth-harness.js';

afterEach(expectCleanTraffic);

const CONFIG: TransportAuthConfig = {
  ticket: {
    type: 'static',
    principals: { joe: { ticket: 'right', role: 'user' }, ann: { ticket: 'anns', role: 'user' } },
  },
};
const LIMITS = {
  authid: { maxFailures: 3, windowMs: 10_000, lockoutMs: 60_000 },
  address: { maxFailures: 5, windowMs: 10_000, lockoutMs: 30_000 },
};

function attempt(
  router: Parameters<typeof clientAt>[0],
  authid: string,
  ticket: string,
  peer = 'tcp4:10.0.0.1:5000',
): TestClient {
  const client = clientAt(router, CONFIG, peer);
  hello(client, { authmethods: ['ticket'], authid });
  const challenge = client.peer.sent.at(-1);
  if (challenge?.type === 'CHALLENGE') {
    client.take();
    authenticate(client, ticket);
  }
  return client;
}

function expectLockedOut(client: TestClient): void {
  const abort = client.takeOne('ABORT');
  expect(abort).toEqual({
    type: 'ABORT',
    reason: ErrorUri.AUTHENTICATION_FAILED,
    details: { message: 'Too many failed authentication attempts; try again later.' },
  });
}

describe('throttling failed authentications', () => {
  it('locks an authid out from the guessing address after maxFailures, even with the right ticket, until the lockout ends', () => {
    const { router, clock } = authRouter({ auth: { throttle: LIMITS } });
    for (let i = 0; i < 3; i++) expectAuthFailed(attempt(router, 'joe', 'guess', `tcp4:10.0.0.1:${i}`));
    // The pair is locked out, before a challenge is even sent.
    expectLockedOut(attempt(router, 'joe', 'right', 'tcp4:10.0.0.1:9'));
    // The owner, from elsewhere, is not: the attacker cannot lock them out.
    attempt(router, 'joe', 'right', 'tcp4:10.9.9.9:1').takeOne('WELCOME');
    // Other authids from the guessing address are not affected either (below the address limit).
    attempt(router, 'ann', 'anns', 'tcp4:10.0.0.1:2').takeOne('WELCOME');
    clock.advance(59_999);
    expectLockedOut(attempt(router, 'joe', 'right', 'tcp4:10.0.0.1:3'));
    clock.advance(1);
    attempt(router, 'joe', 'right', 'tcp4:10.0.0.1:4').takeOne('WELCOME');
  });

  it('doubles the lockout each time the same pair is locked out again', () => {
    const { router, clock } = authRouter({ auth: { throttle: { ...LIMITS, address: false } } });
    const lockOut = () => {
      for (let i = 0; i < 3; i++) expectAuthFailed(attempt(router, 'joe', 'guess'));
    };
    lockOut();
    clock.advance(60_000);
    lockOut();
    clock.advance(60_000);
    expectLockedOut(attempt(router, 'joe', 'right'));
    clock.advance(60_000);
    lockOut();
    clock.advance(239_999);
    expectLockedOut(attempt(router, 'joe', 'right'));
    clock.advance(1);
    attempt(router, 'joe', 'right').takeOne('WELCOME');
  });

  it('counts attempts as they start: parallel sessions get at most maxFailures challenges', () => {
    const { router } = authRouter({ auth: { throttle: LIMITS } });
    const clients = Array.from({ length: 20 }, (_, i) => {
      const client = clientAt(router, CONFIG, `tcp4:10.0.0.1:${i}`);
      hello(client, { authmethods: ['ticket'], authid: 'joe' });
      return client;
    });
    const challenged = clients.filter((client) => client.peer.sent.at(-1)?.type === 'CHALLENGE');
    expect(challenged).toHaveLength(3);
    for (const client of clients) if (!challenged.includes(client)) expectLockedOut(client);
    // The challenged answer wrong twice, which with the third in flight is the limit; the third,
    // right, is still checked (it started before the lockout).
    for (const client of challenged.slice(0, 2)) {
      client.take();
      authenticate(client, 'guess');
      expectAuthFailed(client);
    }
    const last = challenged[2] as TestClient;
    last.take();
    authenticate(last, 'right');
    last.takeOne('WELCOME');
  });

  it('counts a pending challenge toward the limit, and its wrong answer then locks the pair', () => {
    const { router } = authRouter({ auth: { throttle: LIMITS } });
    const early = clientAt(router, CONFIG, 'tcp4:10.0.0.1:1');
    hello(early, { authmethods: ['ticket'], authid: 'joe' });
    early.take();
    // Two more attempts start and fail: with the early one in flight, that is the limit, so a
    // new one is refused at HELLO; the early one's wrong answer is the third failure: locked.
    for (let i = 0; i < 2; i++) expectAuthFailed(attempt(router, 'joe', 'guess', `tcp4:10.0.0.1:${10 + i}`));
    const other = clientAt(router, CONFIG, 'tcp4:10.0.0.1:20');
    hello(other, { authmethods: ['ticket'], authid: 'joe' });
    expectLockedOut(other);
    authenticate(early, 'guess');
    expectAuthFailed(early);
    const late = clientAt(router, CONFIG, 'tcp4:10.0.0.1:30');
    hello(late, { authmethods: ['ticket'], authid: 'joe' });
    expectLockedOut(late);
  });

  it('counts failures per address across authids, whatever the port', () => {
    const { router, clock } = authRouter({ auth: { throttle: LIMITS } });
    for (let i = 0; i < 5; i++) expectAuthFailed(attempt(router, `user${i}`, 'guess', `tcp4:10.0.0.1:${4000 + i}`));
    expectLockedOut(attempt(router, 'ann', 'anns', 'tcp4:10.0.0.1:5999'));
    attempt(router, 'ann', 'anns', 'tcp4:10.0.0.2:5999').takeOne('WELCOME');
    clock.advance(30_000);
    attempt(router, 'ann', 'anns', 'tcp4:10.0.0.1:6000').takeOne('WELCOME');
  });

  it('forgets failures older than the window', () => {
    const { router, clock } = authRouter({ auth: { throttle: LIMITS } });
    expectAuthFailed(attempt(router, 'joe', 'guess'));
    expectAuthFailed(attempt(router, 'joe', 'guess'));
    clock.advance(10_000);
    expectAuthFailed(attempt(router, 'joe', 'guess'));
    expectAuthFailed(attempt(router, 'joe', 'guess'));
    attempt(router, 'joe', 'right').takeOne('WELCOME');
  });

  it('starts the count over after a success', () => {
    const { router } = authRouter({ auth: { throttle: LIMITS } });
    expectAuthFailed(attempt(router, 'joe', 'guess', 'tcp4:1.1.1.1:1'));
    expectAuthFailed(attempt(router, 'joe', 'guess', 'tcp4:1.1.1.2:1'));
    attempt(router, 'joe', 'right', 'tcp4:1.1.1.3:1').takeOne('WELCOME');
    expectAuthFailed(attempt(router, 'joe', 'guess', 'tcp4:1.1.1.4:1'));
    expectAuthFailed(attempt(router, 'joe', 'guess', 'tcp4:1.1.1.5:1'));
    attempt(router, 'joe', 'right', 'tcp4:1.1.1.6:1').takeOne('WELCOME');
  });

  it('applies the defaults without configuration (5 per authid and address a minute)', () => {
    const { router } = authRouter();
    for (let i = 0; i < 5; i++) expectAuthFailed(attempt(router, 'joe', 'guess', `tcp4:10.0.0.1:${i}`));
    expectLockedOut(attempt(router, 'joe', 'right', 'tcp4:10.0.0.1:9'));
  });

  it('can be turned off', () => {
    const { router } = authRouter({ auth: { throttle: { authid: false, address: false } } });
    for (let i = 0; i < 50; i++) expectAuthFailed(attempt(router, 'joe', 'guess'));
    attempt(router, 'joe', 'right').takeOne('WELCOME');
  });

  it('logs lockouts without credentials', () => {
    const { router, logger } = authRouter({ auth: { throttle: LIMITS } });
    for (let i = 0; i < 4; i++) attempt(router, 'joe', 'guess-xyz');
    expect(
      logger.entries.some((entry) => entry.msg?.includes('too many failed attempts') && entry.obj.authid === 'joe'),
    ).toBe(true);
    expect(logger.text).not.toContain('guess-xyz');
  });
});

describe('AuthThrottle', () => {
  it('bounds how many keys it tracks', () => {
    const clock = new FakeClock();
    const throttle = new AuthThrottle(clock, { maxEntries: 3 });
    for (let i = 0; i < 10; i++) throttle.failure(`user${i}`, `addr${i}`);
    expect(throttle.tracked).toEqual({ authids: 3, addresses: 3 });
  });

  it.each([
    ['tcp4:127.0.0.1:53122', 'tcp4:127.0.0.1'],
    ['tcp6:::1:8080', 'tcp6:::1'],
    ['memory:test', 'memory:test'],
  ])('takes the address of %s as %s', (peer, address) => {
    expect(remoteAddress(peer)).toBe(address);
  });
});
