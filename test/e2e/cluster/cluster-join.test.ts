/**
 * Joining a cluster: a node whose realms route differently from the live nodes' (roles,
 * permissions, authorizers of a realm both have) is refused with a message naming the
 * difference; a node with the same realms, or with other realms only, joins. Nodes must also
 * agree on a shared realm's event histories (they share its JetStream stream).
 */
import type { RealmConfig } from '@interchange/router';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as connectNats } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsCluster } from '../../../packages/server/src/cluster/nats-cluster.js';
import { type ClusterNode, type NatsServer, startClusterNode, startNats } from './cluster-support.js';

const everything = { call: true, register: true, publish: true, subscribe: true };
const realms: RealmConfig[] = [
  {
    name: 'realm1',
    roles: [
      { name: 'user', permissions: [{ uri: 'com.app.', match: 'prefix', allow: everything }] },
      { name: 'admin', permissions: [{ uri: '', match: 'prefix', allow: everything }] },
    ],
  },
];

let nats: NatsServer;
let first: ClusterNode;

beforeAll(async () => {
  nats = await startNats();
  first = await startClusterNode(nats.url, 'first', { realms });
});
afterAll(async () => {
  await first?.stop();
  await nats?.stop();
});

function join(node: string, nodeRealms: RealmConfig[]): Promise<NatsCluster> {
  return NatsCluster.start({ servers: [nats.url], node, realms: nodeRealms, heartbeatMs: 200, deadNodeMs: 2000 });
}

describe('config agreement at join', () => {
  it('refuses a node whose role has other permissions, naming realm, role and node', async () => {
    const other: RealmConfig[] = [
      {
        name: 'realm1',
        roles: [
          { name: 'user', permissions: [{ uri: 'com.', match: 'prefix', allow: everything }] },
          { name: 'admin', permissions: [{ uri: '', match: 'prefix', allow: everything }] },
        ],
      },
    ];
    await expect(join('second', other)).rejects.toThrow(
      "realm 'realm1', role 'user': its permissions differ from node 'first'",
    );
  });

  it('refuses a node with other roles, and one where the realm is open to everyone', async () => {
    await expect(join('third', [{ name: 'realm1', roles: realms[0]?.roles?.slice(0, 1) ?? [] }])).rejects.toThrow(
      "realm 'realm1' has roles [user] here but [admin, user] on node 'first'",
    );
    await expect(join('fourth', [{ name: 'realm1' }])).rejects.toThrow('no roles (everything allowed)');
  });

  it('admits a node with the same realms (permissions in another order), or with other realms only', async () => {
    const reordered: RealmConfig[] = [
      { name: 'realm1', roles: [...(realms[0]?.roles ?? [])].reverse() },
      { name: 'realm2' },
    ];
    const same = await join('fifth', reordered);
    const elsewhere = await join('sixth', [{ name: 'realm3' }]);
    expect(same.isAlive('first')).toBe(true);
    await same.close();
    await elsewhere.close();
  });

  it('refuses a node whose realm keeps other event histories, and creates no stream for it', async () => {
    const withHistory: RealmConfig[] = [
      { ...(realms[0] as RealmConfig), store: { type: 'memory', 'event-history': [{ uri: 'com.app.log', limit: 5 }] } },
    ];
    await expect(join('seventh', withHistory)).rejects.toThrow(
      "realm 'realm1' keeps the event histories [exact com.app.log 5] here but [] on node 'first'",
    );
    const nc = await connectNats({ servers: nats.url });
    try {
      const streams = await (await jetstreamManager(nc)).streams.names().next();
      expect(streams.filter((stream) => stream.includes('history'))).toEqual([]);
    } finally {
      await nc.close();
    }
  });
});
