/**
 * Session testaments (advanced "Session Testament") and payload passthru mode (advanced
 * "Payload Passthru Mode") through the real node, with our typed client.
 */
import { type Event, Result, type Session } from '@interchange/client';
import { describe, expect, it } from 'vitest';
import { eventually, useNodeWithSessions } from '../support/advanced-sessions.js';

const { open } = useNodeWithSessions();

describe('session testaments', () => {
  it('publishes the testaments of a session that ends, detached first, under the announced publication IDs', async () => {
    const [dying, watcher] = (await open(2)) as [Session, Session];
    const events: Event[] = [];
    await watcher.subscribe('com.e2e.testament', (e) => void events.push(e), { match: 'prefix' });
    const destroyed = await dying.meta.addTestament('com.e2e.testament.gone', ['destroyed'], { who: 'dying' });
    const detached = await dying.meta.addTestament('com.e2e.testament.gone', ['detached'], {}, { scope: 'detached' });
    await dying.leave();
    await eventually(() => events.length === 2);
    expect(events.map((e) => [e.args[0], e.publication])).toEqual([
      ['detached', detached],
      ['destroyed', destroyed],
    ]);
    expect(events[1]?.kwargs).toEqual({ who: 'dying' });
  });

  it('publishes nothing that was flushed, and honours the publish options', async () => {
    const [dying, watcher, other] = (await open(3)) as [Session, Session, Session];
    const events: Event[] = [];
    const missed: Event[] = [];
    await watcher.subscribe('com.e2e.will', (e) => void events.push(e));
    await other.subscribe('com.e2e.will', (e) => void missed.push(e));
    await dying.meta.addTestament('com.e2e.will', ['flushed']);
    expect(await dying.meta.flushTestaments()).toBe(1);
    await dying.meta.addTestament(
      'com.e2e.will',
      ['kept'],
      {},
      { publishOptions: { eligible: [watcher.id as number], disclose_me: true } },
    );
    const dyingId = dying.id;
    await dying.leave();
    await eventually(() => events.length === 1);
    expect(events[0]).toMatchObject({ args: ['kept'], publisher: dyingId });
    // `other` gets a marker published afterwards; a testament event for it would have come first.
    let marked = false;
    await other.subscribe('com.e2e.will.marker', () => {
      marked = true;
    });
    await watcher.publish('com.e2e.will.marker', [], { acknowledge: true });
    await eventually(() => marked);
    expect(missed).toEqual([]);
  });

  it("refuses a bad scope with Crossbar's wamp.error.testament_error, and a reserved topic with invalid_uri", async () => {
    const [session] = (await open(1)) as [Session];
    await expect(session.meta.addTestament('com.e2e.x', [], {}, { scope: 'forever' as never })).rejects.toMatchObject({
      uri: 'wamp.error.testament_error',
    });
    await expect(session.meta.addTestament('wamp.session.fake')).rejects.toMatchObject({
      uri: 'wamp.error.invalid_uri',
    });
    expect(session.isOpen).toBe(true);
  });
});

describe.each(['json', 'msgpack', 'cbor'] as const)('payload passthru over wamp.2.%s', (serializer) => {
  const secret = new Uint8Array([0, 1, 2, 250, 251, 252, 253, 254, 255]);

  it('carries a call, its invocation and the result untouched, with the ppt attributes', async () => {
    const [callee, caller] = (await open(2, serializer)) as [Session, Session];
    await callee.register('com.e2e.ppt.echo', (inv) => {
      const payload = inv.args[0] as Uint8Array;
      return new Result(
        [payload.slice().reverse()],
        {},
        { ppt_scheme: 'x_e2e', ppt_serializer: 'custom', ppt_keyid: inv.passthru?.ppt_keyid ?? 'none' },
      );
    });
    const result = await caller.call('com.e2e.ppt.echo', [secret], {
      ppt_scheme: 'x_e2e',
      ppt_serializer: 'custom',
      ppt_keyid: 'key-1',
    });
    expect(result.args).toEqual([secret.slice().reverse()]);
    expect(result.passthru).toEqual({ ppt_scheme: 'x_e2e', ppt_serializer: 'custom', ppt_keyid: 'key-1' });
  });

  it('carries a publication to subscribers untouched', async () => {
    const [subscriber, publisher] = (await open(2, serializer)) as [Session, Session];
    const events: Event[] = [];
    await subscriber.subscribe('com.e2e.ppt.topic', (e) => void events.push(e));
    await publisher.publish('com.e2e.ppt.topic', [secret], {
      ppt_scheme: 'mqtt',
      ppt_serializer: 'mqtt',
      acknowledge: true,
    });
    await eventually(() => events.length === 1);
    expect(events[0]?.args).toEqual([secret]);
    expect(events[0]?.passthru).toEqual({ ppt_scheme: 'mqtt', ppt_serializer: 'mqtt' });
  });
});
