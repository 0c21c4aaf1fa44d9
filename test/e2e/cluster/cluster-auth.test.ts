/**
 * A dynamic authorizer and a dynamic authenticator registered by a session on one node decide
 * for sessions on another node: the router's internal calls to them cross nodes like any call.
 */
import { ApplicationError, connect, type Session } from '@interchange/client';
import type { RealmConfig } from '@interchange/router';
import { afterAll, expect, it } from 'vitest';
import { leaveAll } from '../support/advanced-sessions.js';
import { useCluster } from './cluster-fixture.js';
import { registeredEverywhere } from './cluster-support.js';

const realms: RealmConfig[] = [
  {
    name: 'realm1',
    roles: [
      {
        name: 'backend',
        permissions: [
          { uri: '', match: 'prefix', allow: { call: true, register: true, publish: true, subscribe: true } },
        ],
      },
      { name: 'frontend', authorizer: 'com.auth.authorize' },
    ],
  },
];

// A connection that names no identity in its URL logs in by ticket, checked by a dynamic
// authenticator (registered by a backend session in the test).
const transportAuth = { ticket: { type: 'dynamic', authenticator: 'com.auth.authenticate' } } as const;
const { nodes } = useCluster(['a', 'b'], { realms, transportAuth });
const sessions: Session[] = [];

afterAll(async () => {
  await leaveAll(sessions);
});

it('a dynamic authorizer on node a decides the calls of a frontend session on node b', async () => {
  const backend = await connect({ url: nodes[0]?.url({ authrole: 'backend' }) ?? '', realm: 'realm1' });
  sessions.push(backend);
  const asked: unknown[] = [];
  await backend.register('com.auth.authorize', ({ args: [session, uri, action] }) => {
    asked.push([(session as { authrole?: string }).authrole, uri, action]);
    return uri === 'com.app.echo' && action === 'call';
  });
  await backend.register('com.app.echo', ({ args }) => args[0]);
  await backend.register('com.app.secret', () => 'secret');
  await registeredEverywhere(nodes, 'com.auth.authorize', 1);
  await registeredEverywhere(nodes, 'com.app.secret', 1);

  const frontend = await connect({ url: nodes[1]?.url({ authrole: 'frontend' }) ?? '', realm: 'realm1' });
  sessions.push(frontend);
  expect((await frontend.call('com.app.echo', ['hi'])).args).toEqual(['hi']);
  const error = await frontend.call('com.app.secret').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ApplicationError);
  expect((error as ApplicationError).uri).toBe('wamp.error.not_authorized');
  expect(asked).toContainEqual(['frontend', 'com.app.secret', 'call']);
});

it('a dynamic authenticator on node a logs in a session on node b, and refuses a bad ticket', async () => {
  const backend = await connect({ url: nodes[0]?.url({ authrole: 'backend' }) ?? '', realm: 'realm1' });
  sessions.push(backend);
  await backend.register('com.auth.authenticate', ({ args: [realm, authid, details] }) => {
    const { ticket } = details as { ticket?: string };
    if (realm === 'realm1' && ticket === `secret-of-${String(authid)}`) return { role: 'backend', extra: { via: 'a' } };
    throw new ApplicationError('wamp.error.not_authorized', { args: ['bad ticket'] });
  });
  await registeredEverywhere(nodes, 'com.auth.authenticate', 1);

  const url = nodes[1]?.url() ?? '';
  const joe = await connect({ url, realm: 'realm1', auth: { ticket: { authid: 'joe', ticket: 'secret-of-joe' } } });
  sessions.push(joe);
  expect(joe.details).toMatchObject({
    authid: 'joe',
    authrole: 'backend',
    authprovider: 'dynamic',
    authextra: { via: 'a' },
  });
  await expect(
    connect({ url, realm: 'realm1', auth: { ticket: { authid: 'joe', ticket: 'wrong' } } }),
  ).rejects.toThrow();
});
