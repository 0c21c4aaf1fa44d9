import { ErrorUri } from '@interchange/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { TransportAuthConfig } from '../../src/auth/transport-auth.js';
import { expectCleanTraffic } from '../harness.js';
import {
  authClient,
  authenticate,
  authRouter,
  expectAuthFailed,
  flush,
  HANG,
  hello,
  ProcedureServer,
} from './auth-harness.js';

afterEach(expectCleanTraffic);

const STATIC: TransportAuthConfig = {
  ticket: {
    type: 'static',
    principals: {
      joe: { ticket: 'secret!!!', role: 'frontend', extra: { greeting: 'hi joe' } },
      ann: { ticket: 'other-secret', role: 'backend', realm: 'realm2' },
      bob: { ticket: 'bobs-ticket', role: 'ghost' },
    },
  },
};
const REALMS = [
  {
    name: 'realm1',
    roles: [
      { name: 'frontend', permissions: [] },
      { name: 'backend', permissions: [] },
    ],
  },
  { name: 'realm2', roles: [{ name: 'backend', permissions: [] }] },
];

describe('ticket, static', () => {
  it('challenges, then welcomes with the principal, its role and authextra', () => {
    const { router } = authRouter({ realms: REALMS });
    const client = authClient(router, STATIC);
    hello(client, { authmethods: ['ticket'], authid: 'joe' });
    expect(client.takeOne('CHALLENGE')).toEqual({ type: 'CHALLENGE', authMethod: 'ticket', extra: {} });
    authenticate(client, 'secret!!!');
    const welcome = client.takeOne('WELCOME');
    expect(welcome.details).toMatchObject({
      realm: 'realm1',
      authid: 'joe',
      authrole: 'frontend',
      authmethod: 'ticket',
      authprovider: 'static',
      authextra: { greeting: 'hi joe' },
    });
    expect(router.realm('realm1')?.session(welcome.session)?.authrole).toBe('frontend');
  });

  it('puts the principal on its configured realm, whatever realm the client asked for', () => {
    const { router } = authRouter({ realms: REALMS });
    const client = authClient(router, STATIC);
    hello(client, { authmethods: ['ticket'], authid: 'ann' });
    client.takeOne('CHALLENGE');
    authenticate(client, 'other-secret');
    expect(client.takeOne('WELCOME').details).toMatchObject({ realm: 'realm2', authrole: 'backend' });
    expect(router.realm('realm2')?.sessionCount).toBe(1);
  });

  it.each([
    ['a wrong ticket', 'joe', 'guess'],
    ['an unknown authid', 'mallory', 'secret!!!'],
    ["another principal's ticket", 'joe', 'other-secret'],
    ['an empty ticket', 'joe', ''],
  ])('fails %s with the same ABORT, after the challenge', (_case, authid, ticket) => {
    const { router } = authRouter({ realms: REALMS });
    const client = authClient(router, STATIC);
    hello(client, { authmethods: ['ticket'], authid });
    expect(client.takeOne('CHALLENGE').authMethod).toBe('ticket');
    authenticate(client, ticket);
    expectAuthFailed(client);
    expect(router.sessionCount).toBe(0);
  });

  it('fails without an authid', () => {
    const { router } = authRouter({ realms: REALMS });
    const client = authClient(router, STATIC);
    hello(client, { authmethods: ['ticket'] });
    client.takeOne('CHALLENGE');
    authenticate(client, 'secret!!!');
    expectAuthFailed(client);
  });

  it("answers no_such_role when the principal's role is not on the realm", () => {
    const { router } = authRouter({ realms: REALMS });
    const client = authClient(router, STATIC);
    hello(client, { authmethods: ['ticket'], authid: 'bob' });
    client.takeOne('CHALLENGE');
    authenticate(client, 'bobs-ticket');
    expect(client.takeOne('ABORT').reason).toBe(ErrorUri.NO_SUCH_ROLE);
  });

  it('never logs the ticket', () => {
    const { router, logger } = authRouter({ realms: REALMS });
    for (const ticket of ['secret!!!', 'wrong-ticket-123']) {
      const client = authClient(router, STATIC);
      hello(client, { authmethods: ['ticket'], authid: 'joe' });
      authenticate(client, ticket);
    }
    expect(logger.entries.some((entry) => entry.msg === 'authentication failed' && entry.obj.authid === 'joe')).toBe(
      true,
    );
    expect(logger.text).not.toContain('secret!!!');
    expect(logger.text).not.toContain('wrong-ticket-123');
  });
});

describe('ticket, dynamic', () => {
  const DYNAMIC: TransportAuthConfig = { ticket: { type: 'dynamic', authenticator: 'com.example.authenticate' } };

  it('calls authenticate(realm, authid, details) with the ticket after AUTHENTICATE, and welcomes its principal', async () => {
    const { router, logger } = authRouter({ realms: REALMS });
    const server = new ProcedureServer(router);
    server.serve('com.example.authenticate', ({ args }) => {
      const [, , details] = args as [string, string, { ticket: string }];
      return details.ticket === 'dyn-ticket'
        ? { role: 'frontend', extra: { from: 'authenticator' } }
        : Promise.reject(new Error('no'));
    });
    const client = authClient(router, DYNAMIC);
    hello(client, { authmethods: ['ticket'], authid: 'joe', authextra: { device: 'x' } });
    expect(client.takeOne('CHALLENGE')).toMatchObject({ authMethod: 'ticket', extra: {} });
    expect(server.calls).toEqual([]);
    authenticate(client, 'dyn-ticket');
    await flush();
    expect(client.takeOne('WELCOME').details).toMatchObject({
      authid: 'joe',
      authrole: 'frontend',
      authmethod: 'ticket',
      authprovider: 'dynamic',
      authextra: { from: 'authenticator' },
    });
    expect(server.calls[0]?.args).toEqual([
      'realm1',
      'joe',
      expect.objectContaining({
        ticket: 'dyn-ticket',
        authmethod: 'ticket',
        authid: 'joe',
        authextra: { device: 'x' },
        session: expect.any(Number),
        transport: expect.objectContaining({ type: 'memory', peer: 'memory:test' }),
      }),
    ]);
    expect(logger.text).not.toContain('dyn-ticket');
  });

  it('accepts a bare role name, as older Crossbar authenticators return', async () => {
    const { router } = authRouter({ realms: REALMS });
    new ProcedureServer(router).serve('com.example.authenticate', () => 'backend');
    const client = authClient(router, DYNAMIC);
    hello(client, { authmethods: ['ticket'], authid: 'joe' });
    authenticate(client, 't');
    await flush();
    expect(client.take().map((m) => m.type)).toEqual(['CHALLENGE', 'WELCOME']);
  });

  it('takes the authid the authenticator assigns', async () => {
    const { router } = authRouter({ realms: REALMS });
    new ProcedureServer(router).serve('com.example.authenticate', () => ({
      role: 'frontend',
      authid: 'joe@example.com',
    }));
    const client = authClient(router, DYNAMIC);
    hello(client, { authmethods: ['ticket'], authid: 'joe' });
    authenticate(client, 't');
    await flush();
    expect(client.take()[1]).toMatchObject({ type: 'WELCOME', details: { authid: 'joe@example.com' } });
  });

  it.each([
    ['throws', () => Promise.reject(new Error('unknown user joe'))],
    ['answers null', () => null],
    ['answers a dict without role', () => ({ authid: 'x' })],
    ['answers a number', () => 42],
  ])('fails when the authenticator %s, without telling the client why', async (_case, handler) => {
    const { router, logger } = authRouter({ realms: REALMS });
    new ProcedureServer(router).serve('com.example.authenticate', handler);
    const client = authClient(router, DYNAMIC);
    hello(client, { authmethods: ['ticket'], authid: 'joe' });
    client.takeOne('CHALLENGE');
    authenticate(client, 't');
    await flush();
    expectAuthFailed(client);
    expect(logger.text).not.toContain('unknown user joe');
  });

  it('fails when no authenticator is registered', async () => {
    const { router } = authRouter({ realms: REALMS });
    const client = authClient(router, DYNAMIC);
    hello(client, { authmethods: ['ticket'], authid: 'joe' });
    client.takeOne('CHALLENGE');
    authenticate(client, 't');
    await flush();
    expectAuthFailed(client);
  });

  it('fails when the authenticator does not answer in time, and cancels the call', async () => {
    const { router, clock } = authRouter({ realms: REALMS, auth: { authenticatorTimeoutMs: 5000 } });
    const server = new ProcedureServer(router);
    server.serve('com.example.authenticate', () => HANG);
    const client = authClient(router, DYNAMIC);
    hello(client, { authmethods: ['ticket'], authid: 'joe' });
    client.takeOne('CHALLENGE');
    authenticate(client, 't');
    await flush();
    expect(client.take()).toEqual([]);
    clock.advance(4999);
    await flush();
    expect(client.take()).toEqual([]);
    clock.advance(1);
    await flush();
    expectAuthFailed(client);
  });

  it('calls the authenticator on its configured realm', async () => {
    const { router } = authRouter({ realms: [...REALMS, { name: 'auth' }] });
    const server = new ProcedureServer(router, 'auth');
    server.serve('com.example.authenticate', ({ args }) =>
      args[0] === 'realm1' ? 'frontend' : Promise.reject(new Error('wrong realm')),
    );
    const client = authClient(router, {
      ticket: { type: 'dynamic', authenticator: 'com.example.authenticate', 'authenticator-realm': 'auth' },
    });
    hello(client, { authmethods: ['ticket'], authid: 'joe' });
    authenticate(client, 't');
    await flush();
    expect(client.take().map((m) => m.type)).toEqual(['CHALLENGE', 'WELCOME']);
    expect(router.realm('realm1')?.sessionCount).toBe(1);
  });
});
