/**
 * Interop with Autobahn|JS (npm `autobahn`, a client nobody on this team wrote): register, call,
 * subscribe and publish through our router, once per serializer.
 * Autobahn|JS 26 uses the global WebSocket, which Node 20 lacks; `ws` stands in for it.
 */
import autobahn from 'autobahn';
import { describe, expect, it } from 'vitest';
import { openAutobahn } from '../support/autobahn-js.js';
import { useTestNode } from '../support/test-node.js';

describe.each(['json', 'msgpack', 'cbor'] as const)('Autobahn|JS over wamp.2.%s', (serializer) => {
  const node = useTestNode();

  it('registers, calls, subscribes and publishes through the router', async () => {
    const backend = await openAutobahn(node.url, serializer);
    const frontend = await openAutobahn(node.url, serializer);

    await backend.session.register('com.interop.add2', (args?: unknown[]) => {
      const [a, b] = args as [number, number];
      return a + b;
    });
    await backend.session.register('com.interop.split', (args?: unknown[], kwargs?: Record<string, unknown>) => {
      return new autobahn.Result([...(args ?? []), 'extra'], { ...kwargs, seen: true });
    });
    await backend.session.register('com.interop.fail', () => {
      throw new autobahn.Error('com.interop.failed', ['as requested'], { code: 42 });
    });

    expect(await frontend.session.call('com.interop.add2', [2, 3])).toBe(5);

    const split = (await frontend.session.call('com.interop.split', [1], { k: 'v' })) as autobahn.Result;
    expect(split.args).toEqual([1, 'extra']);
    expect(split.kwargs).toEqual({ k: 'v', seen: true });

    const failure = await frontend.session.call('com.interop.fail').then(
      () => undefined,
      (err: autobahn.Error) => err,
    );
    expect(failure?.error).toBe('com.interop.failed');
    expect(failure?.args).toEqual(['as requested']);
    expect(failure?.kwargs).toEqual({ code: 42 });

    const missing = await frontend.session.call('com.interop.nowhere').then(
      () => undefined,
      (err: autobahn.Error) => err,
    );
    expect(missing?.error).toBe('wamp.error.no_such_procedure');

    const events: { args: unknown[] | undefined; kwargs: unknown }[] = [];
    let sawTwoEvents: () => void = () => {};
    const twoEvents = new Promise<void>((resolve) => {
      sawTwoEvents = resolve;
    });
    await backend.session.subscribe('com.interop.topic', (args, kwargs) => {
      events.push({ args, kwargs });
      if (events.length === 2) sawTwoEvents();
    });
    const publication = await frontend.session.publish(
      'com.interop.topic',
      ['hello', 7],
      { note: 'first' },
      {
        acknowledge: true,
      },
    );
    expect(typeof (publication as autobahn.Publication).id).toBe('number');
    await backend.session.publish('com.interop.topic', ['from myself'], {}, { acknowledge: true });
    await backend.session.publish(
      'com.interop.topic',
      ['to myself too'],
      {},
      {
        acknowledge: true,
        exclude_me: false,
      },
    );
    await twoEvents;
    expect(events).toEqual([
      { args: ['hello', 7], kwargs: { note: 'first' } },
      { args: ['to myself too'], kwargs: {} },
    ]);

    frontend.connection.close();
    backend.connection.close();
  });
});
