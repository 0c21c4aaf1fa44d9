/**
 * `function` authenticators and authorizers: functions in the router's process, called the way
 * the procedures of dynamic ones are, with the same answers, failures and timeouts.
 */
import { ErrorUri, MessageCode } from '@interchange/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuthenticateFunction, TransportAuthConfig } from '../../src/auth/transport-auth.js';
import type { AuthorizeFunction } from '../../src/realm/realm-config.js';
import { expectCleanTraffic, expectError, join } from '../harness.js';
import { authClient, authenticate, authRouter, expectAuthFailed, flush, hello } from './auth-harness.js';

afterEach(expectCleanTraffic);

const REALMS = [{ name: 'realm1', roles: [{ name: 'frontend', permissions: [] }] }];

describe('function authenticators', () => {
  it('ticket: the function gets (realm, authid, details with the ticket) and its answer decides', async () => {
    const seen: unknown[][] = [];
    const authenticate_: AuthenticateFunction = async (...args) => {
      seen.push(args);
      return (args[2] as { ticket: string }).ticket === 'right' ? { role: 'frontend', extra: { via: 'fn' } } : false;
    };
    const { router } = authRouter({ realms: REALMS });
    const config: TransportAuthConfig = { ticket: { type: 'function', authenticate: authenticate_ } };
    const client = authClient(router, config);
    hello(client, { authmethods: ['ticket'], authid: 'joe' });
    client.takeOne('CHALLENGE');
    authenticate(client, 'right');
    await flush();
    expect(client.takeOne('WELCOME').details).toMatchObject({
      authid: 'joe',
      authrole: 'frontend',
      authprovider: 'function',
      authextra: { via: 'fn' },
    });
    expect(seen[0]?.slice(0, 2)).toEqual(['realm1', 'joe']);
    expect(seen[0]?.[2]).toMatchObject({ ticket: 'right', authmethod: 'ticket' });

    const wrong = authClient(router, config);
    hello(wrong, { authmethods: ['ticket'], authid: 'joe' });
    wrong.takeOne('CHALLENGE');
    authenticate(wrong, 'wrong');
    await flush();
    expectAuthFailed(wrong);
  });

  it('passes on an error URI the function throws; times out like a procedure', async () => {
    const { router, clock } = authRouter({ realms: REALMS, auth: { authenticatorTimeoutMs: 1000 } });
    const refusing = authClient(router, {
      wampcra: {
        type: 'function',
        authenticate: () => {
          throw Object.assign(new Error('no such user'), { uri: 'com.example.no_such_user', args: ['no such user'] });
        },
      },
    });
    hello(refusing, { authmethods: ['wampcra'], authid: 'x' });
    await flush();
    expect(refusing.takeOne('ABORT')).toMatchObject({
      reason: 'com.example.no_such_user',
      details: { message: 'no such user' },
    });

    const hanging = authClient(router, { ticket: { type: 'function', authenticate: () => new Promise(() => {}) } });
    hello(hanging, { authmethods: ['ticket'], authid: 'x' });
    hanging.takeOne('CHALLENGE');
    authenticate(hanging, 't');
    await flush();
    expect(hanging.take()).toEqual([]);
    clock.advance(1000);
    await flush();
    expectAuthFailed(hanging);
  });
});

describe('function authorizers', () => {
  it('decides each request as an authorizer procedure would', async () => {
    const calls: unknown[][] = [];
    const authorize: AuthorizeFunction = (...args) => {
      calls.push(args);
      return args[1] === 'com.example.open' ? { allow: true } : false;
    };
    const { router } = authRouter({
      realms: [{ name: 'realm1', roles: [{ name: 'frontend', authorizer: authorize }] }],
    });
    const client = join(router, 'realm1', { authrole: 'frontend' });
    const allowed = client.nextId();
    client.receive({ type: 'REGISTER', requestId: allowed, options: {}, procedure: 'com.example.open' });
    await flush();
    expect(client.take()[0]).toMatchObject({ type: 'REGISTERED', requestId: allowed });
    const denied = client.nextId();
    client.receive({ type: 'REGISTER', requestId: denied, options: {}, procedure: 'com.example.closed' });
    await flush();
    expectError(client.take()[0], {
      requestType: MessageCode.REGISTER,
      requestId: denied,
      error: ErrorUri.NOT_AUTHORIZED,
    });
    expect(calls[0]?.[0]).toMatchObject({ authrole: 'frontend' });
    expect(calls[0]?.slice(1, 3)).toEqual(['com.example.open', 'register']);
  });
});
