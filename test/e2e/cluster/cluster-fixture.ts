/**
 * The set-up most cluster tests share: one nats-server, router nodes joined through it for the
 * whole file, sessions opened on any node and left after each test, and everything stopped at
 * the end. It registers its own vitest hooks, so a test file calls it once at the top.
 */
import { connect, type Session } from '@interchange/client';
import type { RealmConfig, TransportAuthConfig } from '@interchange/router';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { eventually, leaveAll } from '../support/advanced-sessions.js';
import { type ClusterNode, registeredEverywhere, startClusterNode, startNats } from './cluster-support.js';

/** The identity a session gets from its URL (see ../support/advanced-router.ts). */
export interface SessionIdentity {
  authid?: string;
  authrole?: string;
}

export interface ClusterFixture {
  /** The nodes, in the order of their names; filled by the time the first test runs. */
  readonly nodes: ClusterNode[];
  /** The nats-server's URL, for a node a test starts itself. */
  readonly natsUrl: string;
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
  options: { realms?: RealmConfig[]; transportAuth?: TransportAuthConfig; allAlive?: boolean; flush?: boolean } = {},
): ClusterFixture {
  let nats: Awaited<ReturnType<typeof startNats>> | undefined;
  const nodes: ClusterNode[] = [];
  let sessions: Session[] = [];

  beforeAll(async () => {
    nats = await startNats();
    const url = nats.url;
    for (const name of names) {
      nodes.push(
        await startClusterNode(url, name, {
          ...(options.realms === undefined ? {} : { realms: options.realms }),
          ...(options.transportAuth === undefined ? {} : { transportAuth: options.transportAuth }),
        }),
      );
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
    get natsUrl() {
      if (nats === undefined) throw new Error('useCluster: nats-server not started yet');
      return nats.url;
    },
    async on(n, identity = {}) {
      const session = await connect({ url: (nodes[n] as ClusterNode).url(identity), realm: 'realm1' });
      sessions.push(session);
      return session;
    },
  };
}

/** The first argument of the first event, or `'missing'` after 5 s (a safety net, not a timing goal). */
export async function firstEvent(received: Promise<unknown>): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const missing = new Promise((resolve) => {
    timer = setTimeout(() => resolve('missing'), 5000);
  });
  try {
    return await Promise.race([received, missing]);
  } finally {
    clearTimeout(timer);
  }
}

/** Retries `attempt` until it resolves (every 100 ms, at most `timeoutMs`). */
export async function retry<T>(attempt: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Sessions whose calls and events cross from node a to node b (see {@link crossNodeTraffic}). */
export interface CrossNodeTraffic {
  callee: Session;
  caller: Session;
  /** The first argument of every event the subscriber on b received on `${prefix}.t`. */
  events: unknown[];
}

/**
 * On nodes a and b: a callee of `${prefix}.add` and a subscriber of `${prefix}.t` on b, a caller
 * on a. Resolves once every node knows the registration and a first call from a was answered
 * from b (asserted). The sessions are added to `sessions` for the test file to leave.
 */
export async function crossNodeTraffic(
  nodes: ClusterNode[],
  prefix: string,
  sessions: Session[],
): Promise<CrossNodeTraffic> {
  const [a, b] = nodes as [ClusterNode, ClusterNode];
  const callee = await connect({ url: b.url(), realm: 'realm1' });
  const subscriber = await connect({ url: b.url(), realm: 'realm1' });
  const caller = await connect({ url: a.url(), realm: 'realm1' });
  sessions.push(callee, subscriber, caller);
  await callee.register(`${prefix}.add`, ({ args }) => (args[0] as number) + (args[1] as number));
  const events: unknown[] = [];
  await subscriber.subscribe(`${prefix}.t`, (e) => void events.push(e.args[0]));
  await registeredEverywhere(nodes, `${prefix}.add`, 1);
  expect((await caller.call(`${prefix}.add`, [1, 2])).args).toEqual([3]);
  return { callee, caller, events };
}
