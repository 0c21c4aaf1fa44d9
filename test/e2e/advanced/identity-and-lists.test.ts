/**
 * Who may receive an event and who a callee or subscriber learns of, through the real router
 * with sessions of chosen identities (support/advanced-router.ts): caller and publisher
 * identification, subscriber black- and whitelisting by session, authid and authrole, and
 * publisher exclusion.
 */
import { connect, type Event, type Session } from '@interchange/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdvancedRouter, startAdvancedRouter } from '../support/advanced-router.js';
import { eventually, leaveAll } from '../support/advanced-sessions.js';

let server: AdvancedRouter;
let alice: Session;
let bob: Session;
let carol: Session;
let publisher: Session;
const received = new Map<string, Event[]>();

beforeAll(async () => {
  server = await startAdvancedRouter();
  const join = (authid: string, authrole: string) =>
    connect({ url: server.url({ authid, authrole }), realm: 'realm1' });
  alice = await join('alice', 'user');
  bob = await join('bob', 'user');
  carol = await join('carol', 'admin');
  publisher = await join('pat', 'sensor');
  for (const [name, session] of [
    ['alice', alice],
    ['bob', bob],
    ['carol', carol],
    ['pat', publisher],
  ] as const) {
    received.set(name, []);
    await session.subscribe('com.e2e.lists.', (event) => void received.get(name)?.push(event), { match: 'prefix' });
  }
});
afterAll(async () => {
  await leaveAll([alice, bob, carol, publisher]);
  await server.stop();
});

/** Publishes one event with `options` and returns who got it, once a final marker reached everyone. */
async function receivers(options: Parameters<Session['publish']>[2]): Promise<string[]> {
  const topic = `com.e2e.lists.t${Math.random().toString(36).slice(2)}`;
  await publisher.publish(topic, ['payload'], { ...options, acknowledge: true });
  const marker = `${topic}.marker`;
  await publisher.publish(marker, [], { acknowledge: true, exclude_me: false });
  await eventually(() => [...received.values()].every((events) => events.some((e) => e.topic === marker)));
  return [...received.entries()].filter(([, events]) => events.some((e) => e.topic === topic)).map(([name]) => name);
}

describe('subscriber black- and whitelisting (advanced "Subscriber Black- and Whitelisting")', () => {
  it('reaches every other subscriber by default, never the publisher (publisher exclusion)', async () => {
    expect(await receivers({})).toEqual(['alice', 'bob', 'carol']);
  });

  it('lets the publisher receive its own event with exclude_me: false', async () => {
    expect(await receivers({ exclude_me: false })).toEqual(['alice', 'bob', 'carol', 'pat']);
  });

  it('excludes by session ID, authid and authrole', async () => {
    expect(await receivers({ exclude: [alice.id as number] })).toEqual(['bob', 'carol']);
    expect(await receivers({ exclude_authid: ['bob'] })).toEqual(['alice', 'carol']);
    expect(await receivers({ exclude_authrole: ['user'] })).toEqual(['carol']);
  });

  it('whitelists by session ID, authid and authrole, and combines the lists', async () => {
    expect(await receivers({ eligible: [bob.id as number] })).toEqual(['bob']);
    expect(await receivers({ eligible_authid: ['alice', 'carol'] })).toEqual(['alice', 'carol']);
    expect(await receivers({ eligible_authrole: ['user'] })).toEqual(['alice', 'bob']);
    expect(await receivers({ eligible_authrole: ['user'], exclude_authid: ['alice'] })).toEqual(['bob']);
  });
});

describe('publisher and caller identification', () => {
  it('discloses the publisher to subscribers with disclose_me, and not without', async () => {
    const topicOf = async (disclose: boolean): Promise<Event> => {
      const topic = `com.e2e.lists.who${disclose ? 'yes' : 'no'}`;
      await publisher.publish(topic, [], { disclose_me: disclose, acknowledge: true, eligible: [alice.id as number] });
      return eventually(() => received.get('alice')?.find((e) => e.topic === topic));
    };
    expect(await topicOf(true)).toMatchObject({
      publisher: publisher.id,
      publisherAuthid: 'pat',
      publisherAuthrole: 'sensor',
    });
    expect((await topicOf(false)).publisher).toBeUndefined();
  });

  it('discloses the caller to the callee with disclose_me, or to a callee registered with disclose_caller', async () => {
    await alice.register('com.e2e.whoami', (inv) => [
      inv.caller ?? null,
      inv.callerAuthid ?? null,
      inv.callerAuthrole ?? null,
    ]);
    await alice.register('com.e2e.whoami_always', (inv) => inv.callerAuthid ?? null, { disclose_caller: true });
    expect((await carol.call('com.e2e.whoami', [], { disclose_me: true })).args[0]).toEqual([
      carol.id,
      'carol',
      'admin',
    ]);
    expect((await carol.call('com.e2e.whoami')).args[0]).toEqual([null, null, null]);
    expect((await bob.call('com.e2e.whoami_always')).args[0]).toBe('bob');
  });
});
