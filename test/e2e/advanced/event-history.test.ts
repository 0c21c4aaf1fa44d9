/**
 * Event history (advanced "Event History") through the real router with a realm `store` block
 * (support/advanced-router.ts, which also gives sessions chosen authids), read with
 * `session.meta.subscriptions.getEvents`.
 */
import { connect, type Session } from '@interchange/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdvancedRouter, startAdvancedRouter } from '../support/advanced-router.js';
import { leaveAll } from '../support/advanced-sessions.js';

let server: AdvancedRouter;
let reader: Session;
let publisher: Session;

beforeAll(async () => {
  server = await startAdvancedRouter({
    realms: [
      {
        name: 'realm1',
        store: {
          type: 'memory',
          limit: 5,
          'event-history': [
            { uri: 'com.e2e.history.log', limit: 3 },
            { uri: 'com.e2e.history.sensor.', match: 'prefix' },
          ],
        },
      },
    ],
  });
  reader = await connect({ url: server.url({ authid: 'reader' }), realm: 'realm1' });
  publisher = await connect({ url: server.url({ authid: 'writer' }), realm: 'realm1' });
  // Events published before anyone subscribes are kept too.
  for (const n of [1, 2, 3, 4])
    await publisher.publish('com.e2e.history.log', [n], { kwargs: { n }, acknowledge: true });
  await publisher.publish('com.e2e.history.sensor.a', ['a1'], { acknowledge: true });
  await publisher.publish('com.e2e.history.sensor.b', ['b1'], { acknowledge: true });
  await publisher.publish('com.e2e.history.sensor.a', ['a2'], { acknowledge: true, eligible_authid: ['someone-else'] });
});
afterAll(async () => {
  await leaveAll([reader, publisher]);
  await server.stop();
});

async function historyId(topic: string, match?: 'prefix'): Promise<number> {
  const id = await reader.meta.subscriptions.lookup(topic, match === undefined ? {} : { match });
  expect(id).toBeTypeOf('number');
  return id as number;
}

describe('wamp.subscription.get_events', () => {
  it("keeps the last `limit` events of a topic; Crossbar's positional limit answers newest first", async () => {
    const id = await historyId('com.e2e.history.log');
    const events = await reader.meta.subscriptions.getEvents(id, 3);
    expect(events.map((e) => e.args[0])).toEqual([4, 3, 2]);
    expect(events[0]).toMatchObject({ subscription: id, kwargs: { n: 4 } });
    expect(Date.parse(events[0]?.timestamp ?? '')).not.toBeNaN();
  });

  it("answers the spec's keyword query oldest first, and filters by topic on a prefix history", async () => {
    const id = await historyId('com.e2e.history.sensor.', 'prefix');
    const all = await reader.meta.subscriptions.getEvents(id, {});
    // The event whitelisted for another authid is not in the reader's history.
    expect(all.map((e) => e.args[0])).toEqual(['a1', 'b1']);
    const onlyB = await reader.meta.subscriptions.getEvents(id, { topic: 'com.e2e.history.sensor.b' });
    expect(onlyB.map((e) => [e.details['topic'], e.args[0]])).toEqual([['com.e2e.history.sensor.b', 'b1']]);
  });

  it('refuses a limit larger than the history keeps with wamp.error.invalid_argument', async () => {
    const id = await historyId('com.e2e.history.log');
    await expect(reader.meta.subscriptions.getEvents(id, 4)).rejects.toMatchObject({
      uri: 'wamp.error.invalid_argument',
    });
    await expect(reader.meta.subscriptions.getEvents(id, 0)).rejects.toMatchObject({
      uri: 'wamp.error.invalid_argument',
    });
  });

  it('answers history_unavailable for a subscription without history, no_such_subscription for an unknown one', async () => {
    const plain = await reader.subscribe('com.e2e.history.none', () => {});
    await expect(reader.meta.subscriptions.getEvents(plain.id, 1)).rejects.toMatchObject({
      uri: 'wamp.error.history_unavailable',
    });
    await expect(reader.meta.subscriptions.getEvents(424242, 1)).rejects.toMatchObject({
      uri: 'wamp.error.no_such_subscription',
    });
    expect(reader.isOpen).toBe(true);
  });
});
