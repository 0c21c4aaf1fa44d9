/**
 * The set-up most cluster tests share: one nats-server, router nodes joined through it for the
 * whole file, sessions opened on any node and left after each test, and everything stopped at
 * the end. It registers its own vitest hooks, so a test file calls it once at the top.
 */
import { connect, type Session } from '@interchange/client';
import type { RealmConfig } from '@interchange/router';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { eventually, leaveAll } from '../support/advanced-sessions.js';
import { type ClusterNode, type NatsServer, startClusterNode, startNats } from './cluster-support.js';

/** The identity a session gets from its URL (see ../support/advanced-router.ts). */
export interface SessionIdentity {
  authid?: string;
  authrole?: string;
}

export interface ClusterFixture {
  /** The nodes, in the order of their names; filled by the time the first test runs. */
  readonly nodes: ClusterNode[];
  /** A session on node `n` joined to realm1 with `identity`, left after the test. */
  on(n: number, identity?: SessionIdentity): Promise<Session>;
}

/**
 * Starts a nats-server and one node per name before the tests of the file. `allAlive` waits
 * until every node has heard every other (a scatter-gather counts on their answers); `flush`
 * waits until every node's subscriptions reached the server.
 */
export function useCluster(
  names: string[],
  options: { realms?: RealmConfig[]; allAlive?: boolean; flush?: boolean } = {},
): ClusterFixture {
  let nats: NatsServer | undefined;
  const nodes: ClusterNode[] = [];
  let sessions: Session[] = [];

  beforeAll(async () => {
    nats = await startNats();
    const url = nats.url;
    for (const name of names) {
      nodes.push(await startClusterNode(url, name, options.realms === undefined ? {} : { realms: options.realms }));
    }
    if (options.allAlive === true) {
      await eventually(() =>
        nodes.every((node) => names.every((n) => n === node.cluster.node || node.cluster.isAlive(n))),
      );
    }
    if (options.flush === true) for (const node of nodes) await node.cluster.flush();
  });
  afterEach(async () => {
    await leaveAll(sessions);
    sessions = [];
  });
  afterAll(async () => {
    for (const node of nodes) await node.stop();
    await nats?.stop();
  });

  return {
    nodes,
    async on(n, identity = {}) {
      const session = await connect({ url: (nodes[n] as ClusterNode).url(identity), realm: 'realm1' });
      sessions.push(session);
      return session;
    },
  };
}
