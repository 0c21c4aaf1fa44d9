import { ApplicationError, messageToArray, SessionClosedError } from '@interchange/protocol';
import { describe, expect, it } from 'vitest';
import { CANNOT_AUTHENTICATE_REASON, CLIENT_ROLES, TRANSPORT_LOST_REASON } from '../src/index.js';
import { flush } from './helpers/fake-clock.js';
import { FULL_ROUTER_ROLES, sessionWithRouter } from './helpers/fake-router.js';

describe('Session join', () => {
  it('sends HELLO with the realm, the four client roles and their features, and the auth passthrough', async () => {
    const { session, router } = sessionWithRouter({
      realm: 'votesapp',
      authid: 'alice',
      authmethods: ['ticket', 'wampcra'],
      authextra: { device: 'kiosk-7' },
    });
    void session.join();
    const hello = await router.next('HELLO');
    expect(hello.realm).toBe('votesapp');
    expect(Object.keys(hello.details['roles'] as object).sort()).toEqual([
      'callee',
      'caller',
      'publisher',
      'subscriber',
    ]);
    expect(hello.details['roles']).toEqual(CLIENT_ROLES);
    expect((hello.details['roles'] as typeof CLIENT_ROLES).caller.features.call_canceling).toBe(true);
    expect(hello.details['authid']).toBe('alice');
    expect(hello.details['authmethods']).toEqual(['ticket', 'wampcra']);
    expect(hello.details['authextra']).toEqual({ device: 'kiosk-7' });
    expect(messageToArray(hello).slice(0, 2)).toEqual([1, 'votesapp']);
  });

  it('omits auth fields it was not given', async () => {
    const { session, router } = sessionWithRouter();
    void session.join();
    const hello = await router.next('HELLO');
    expect(hello.details).not.toHaveProperty('authid');
    expect(hello.details).not.toHaveProperty('authmethods');
    expect(hello.details).not.toHaveProperty('authextra');
  });

  it('resolves with WELCOME details and exposes the session id', async () => {
    const { session, router } = sessionWithRouter();
    expect(session.state).toBe('idle');
    const joined = session.join();
    await router.next('HELLO');
    expect(session.state).toBe('joining');
    router.welcome(777, { roles: FULL_ROUTER_ROLES, authid: 'anon', authrole: 'public' });
    const details = await joined;
    expect(details['authrole']).toBe('public');
    expect(session.id).toBe(777);
    expect(session.isOpen).toBe(true);
    expect(session.details?.['authid']).toBe('anon');
    expect(session.routerHasFeature('dealer', 'call_canceling')).toBe(true);
    expect(session.routerHasFeature('broker', 'event_history')).toBe(false);
  });

  it('rejects the join with ApplicationError on ABORT and closes the transport', async () => {
    const { session, router } = sessionWithRouter({ realm: 'nowhere' });
    const joined = session.join();
    await router.next('HELLO');
    router.send({ type: 'ABORT', details: { message: 'no such realm' }, reason: 'wamp.error.no_such_realm' });
    const error = await joined.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationError);
    expect((error as ApplicationError).uri).toBe('wamp.error.no_such_realm');
    expect((error as ApplicationError).args).toEqual(['no such realm']);
    const info = await session.closed;
    expect(info).toMatchObject({
      kind: 'abort',
      initiator: 'router',
      reason: 'wamp.error.no_such_realm',
      message: 'no such realm',
    });
    expect(info.wasEstablished).toBe(false);
    expect(session.isOpen).toBe(false);
    expect(router.end.closed).toBe(true);
  });

  it('answers CHALLENGE through onChallenge, then accepts WELCOME', async () => {
    const seen: unknown[] = [];
    const { session, router } = sessionWithRouter({
      authmethods: ['ticket'],
      onChallenge: async (challenge) => {
        seen.push(challenge);
        return { signature: 'secret-ticket', extra: { nonce: 1 } };
      },
    });
    const joined = session.join();
    await router.next('HELLO');
    router.send({ type: 'CHALLENGE', authMethod: 'ticket', extra: { hint: 'x' } });
    const authenticate = await router.next('AUTHENTICATE');
    expect(seen).toEqual([{ authMethod: 'ticket', extra: { hint: 'x' } }]);
    expect(authenticate.signature).toBe('secret-ticket');
    expect(authenticate.extra).toEqual({ nonce: 1 });
    router.welcome();
    await joined;
    expect(session.isOpen).toBe(true);
  });

  it('accepts a plain string and Autobahn [signature, extra] from onChallenge', async () => {
    for (const [answer, extra] of [
      ['sig', {}],
      [['sig', { nonce: 1 }], { nonce: 1 }],
    ] as const) {
      const { session, router } = sessionWithRouter({ onChallenge: () => answer as never });
      void session.join();
      await router.next('HELLO');
      router.send({ type: 'CHALLENGE', authMethod: 'wampcra', extra: {} });
      const authenticate = await router.next('AUTHENTICATE');
      expect(authenticate.signature).toBe('sig');
      expect(authenticate.extra).toEqual(extra);
    }
  });

  it('aborts with wamp.error.cannot_authenticate when there is no onChallenge or it throws', async () => {
    for (const onChallenge of [undefined, () => Promise.reject(new Error('no password stored'))]) {
      const { session, router } = sessionWithRouter(onChallenge === undefined ? {} : { onChallenge });
      const joined = session.join();
      await router.next('HELLO');
      router.send({ type: 'CHALLENGE', authMethod: 'wampcra', extra: { challenge: '{}' } });
      const abort = await router.next('ABORT');
      expect(abort.reason).toBe(CANNOT_AUTHENTICATE_REASON);
      const error = await joined.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApplicationError);
      expect((error as ApplicationError).uri).toBe(CANNOT_AUTHENTICATE_REASON);
      if (onChallenge !== undefined) expect((error as Error).cause).toBeInstanceOf(Error);
      expect((await session.closed).kind).toBe('abort');
    }
  });

  it('rejects the join with SessionClosedError when the transport drops during the handshake', async () => {
    const { session, router } = sessionWithRouter();
    const joined = session.join();
    await router.next('HELLO');
    router.end.close(1006, 'gone');
    const error = await joined.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionClosedError);
    const info = await session.closed;
    expect(info).toMatchObject({ kind: 'transport', reason: TRANSPORT_LOST_REASON, initiator: 'transport' });
  });

  it('treats a message other than WELCOME, ABORT or CHALLENGE during the join as a protocol violation', async () => {
    const { session, router } = sessionWithRouter();
    const joined = session.join();
    await router.next('HELLO');
    router.send({ type: 'EVENT', subscription: 1, publication: 2, details: {} });
    const abort = await router.next('ABORT');
    expect(abort.reason).toBe('wamp.error.protocol_violation');
    await expect(joined).rejects.toBeInstanceOf(SessionClosedError);
    expect((await session.closed).kind).toBe('protocol-violation');
    await flush();
    expect(router.end.closed).toBe(true);
  });

  it('refuses a second join at once', async () => {
    const { session } = sessionWithRouter();
    void session.join();
    expect(() => session.join()).toThrow(/not idle/);
  });
});
