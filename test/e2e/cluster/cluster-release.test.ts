/**
 * A procedure freed on one node is free on every node from the moment its callee hears so:
 * UNREGISTERED (and the router's GOODBYE to a callee that leaves) goes out only once NATS has
 * stored the callee's release of the procedure's claim and the removal of its table entry
 * (docs/scaling.md, "Registering"). Node a reaches NATS through a link that holds back what it
 * sends by 100 ms (a node far from NATS): before, its callee heard UNREGISTERED at once, and a
 * REGISTER made on node b right after was refused with `procedure_already_exists` naming node a.
 */
import { ApplicationError, connect, type Session } from '@interchange/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, leaveAll } from '../support/advanced-sessions.js';
import { type ClusterNode, type NatsServer, startClusterNode, startNats } from './cluster-support.js';
import { type SlowLink, startSlowLink } from './slow-link.js';

let nats: NatsServer | undefined;
let link: SlowLink | undefined;
const nodes: ClusterNode[] = [];
let sessions: Session[] = [];

beforeAll(async () => {
  nats = await startNats();
  link = await startSlowLink(nats.port, 100);
  nodes.push(await startClusterNode(link.url, 'far'), await startClusterNode(nats.url, 'near'));
  await eventually(() => nodes.every((node) => node.cluster.isAlive(node.cluster.node === 'far' ? 'near' : 'far')));
}, 60_000);
afterEach(async () => {
  await leaveAll(sessions);
  sessions = [];
});
afterAll(async () => {
  for (const node of nodes) await node.stop();
  await link?.close();
  await nats?.stop();
});

async function on(n: number): Promise<Session> {
  const session = await connect({ url: (nodes[n] as ClusterNode).url(), realm: 'realm1' });
  sessions.push(session);
  return session;
}

/** REGISTER on `session`; the error URI when refused, else `'registered'`. */
async function registerOutcome(session: Session, procedure: string, answer: string): Promise<string> {
  try {
    await session.register(procedure, () => answer);
    return 'registered';
  } catch (error) {
    return error instanceof ApplicationError ? `${error.uri}: ${String(error.args[0])}` : String(error);
  }
}

describe('a procedure freed on a node far from NATS', () => {
  it('is free on another node right after UNREGISTERED, in every round', { timeout: 60_000 }, async () => {
    const far = await on(0);
    const near = await on(1);
    const caller = await on(0);
    for (let i = 0; i < 5; i++) {
      const procedure = `com.release.unregistered${i}`;
      const registration = await far.register(procedure, () => 'far');
      await registration.unregister();
      // At once: UNREGISTERED is the callee's word that the procedure is free.
      expect(await registerOutcome(near, procedure, 'near'), `round ${i}`).toBe('registered');
      await expect(caller.call(procedure)).resolves.toMatchObject({ args: ['near'] });
    }
  });

  it('is free on another node right after the router answered its GOODBYE', { timeout: 60_000 }, async () => {
    const near = await on(1);
    const caller = await on(0);
    for (let i = 0; i < 5; i++) {
      const procedure = `com.release.left${i}`;
      const far = await on(0);
      await far.register(procedure, () => 'far');
      await far.leave();
      expect(await registerOutcome(near, procedure, 'near'), `round ${i}`).toBe('registered');
      await expect(caller.call(procedure)).resolves.toMatchObject({ args: ['near'] });
    }
  });
});
