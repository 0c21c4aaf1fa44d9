/**
 * A dynamic authorizer registered by a session on one node decides for sessions on another node:
 * the router's internal call to the authorizer crosses nodes like any call.
 */
import { ApplicationError, connect, type Session } from '@interchange/client';
import type { RealmConfig } from '@interchange/router';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { leaveAll } from '../support/advanced-sessions.js';
import {
  type ClusterNode,
  type NatsServer,
  registeredEverywhere,
  startClusterNode,
  startNats,
} from './cluster-support.js';

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

let nats: NatsServer;
let nodes: ClusterNode[] = [];
const sessions: Session[] = [];

beforeAll(async () => {
  nats = await startNats();
  nodes = [await startClusterNode(nats.url, 'a', { realms }), await startClusterNode(nats.url, 'b', { realms })];
});
afterAll(async () => {
  await leaveAll(sessions);
  for (const node of nodes) await node.stop();
  await nats?.stop();
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
