/**
 * Interop with Autobahn|JS's own long-poll transport (npm `autobahn`, lib/transport/longpoll.js):
 * a session over long-poll registers, calls, subscribes and publishes with a WebSocket session,
 * and Autobahn falls back to long-poll when WebSocket is not available, as it does in old
 * browsers. Autobahn's long-poll uses XMLHttpRequest, which Node lacks; a small stand-in over
 * node:http takes its place. Node 20 has no global WebSocket either, which is what makes
 * Autobahn skip its websocket transport here.
 */
import { connect, type Session, WampApplicationError } from '@interchange/client';
import type autobahn from 'autobahn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import { LOCAL_ENDPOINT, tempDir, workerConfig } from '../helpers.js';
import { type OpenAutobahn, openAutobahn } from '../support/autobahn-open.js';
import { NodeXMLHttpRequest } from '../support/xml-http-request.js';

(globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = NodeXMLHttpRequest;

function open(transports: autobahn.ITransportDefinition[]): Promise<OpenAutobahn> {
  // Autobahn reports the websocket transport it cannot create through on_internal_error.
  const options = { realm: 'realm1', max_retries: 0, transports, on_internal_error: () => {} };
  return openAutobahn(options as autobahn.IConnectionOptions);
}

describe('Autobahn|JS over long-poll', () => {
  let node: InterchangeNode;
  let lp: string;
  let peer: Session;

  beforeAll(async () => {
    const config = workerConfig([
      { type: 'web', endpoint: LOCAL_ENDPOINT, paths: { lp: { type: 'longpoll' }, ws: { type: 'websocket' } } },
    ]);
    node = await InterchangeNode.start({ config, cbdir: await tempDir() });
    lp = node.addresses[0]!.longpollUrls[0]!;
    peer = await connect({ url: node.addresses[0]!.websocketUrls[0]!, realm: 'realm1' });
  });

  afterAll(async () => {
    await node.stop({ timeoutMs: 500 });
  });

  it('registers, calls, subscribes and publishes with a WebSocket peer, then closes cleanly', async () => {
    const { session, connection, closed } = await open([{ type: 'longpoll', url: lp }]);
    expect(session.id).toEqual(expect.any(Number));

    await session.register('com.interop.add2', (args?: unknown[]) => (args![0] as number) + (args![1] as number));
    expect((await peer.call('com.interop.add2', [2, 3])).args).toEqual([5]);

    await peer.register('com.interop.shout', ({ args }) => String(args[0]).toUpperCase());
    expect(await session.call('com.interop.shout', ['quiet'])).toBe('QUIET');

    await peer.register('com.interop.fail', () => {
      throw new WampApplicationError('com.interop.failed', ['as requested'], { code: 42 });
    });
    const failure = await session.call('com.interop.fail').then(
      () => undefined,
      (error: autobahn.Error) => error,
    );
    expect(failure).toMatchObject({ error: 'com.interop.failed', args: ['as requested'], kwargs: { code: 42 } });

    const events: unknown[][] = [];
    let sawEvents: () => void = () => {};
    const twoEvents = new Promise<void>((resolve) => {
      sawEvents = resolve;
    });
    await session.subscribe('com.interop.topic', (args?: unknown[]) => {
      events.push(args ?? []);
      if (events.length === 2) sawEvents();
    });
    await peer.publish('com.interop.topic', ['first'], { acknowledge: true });
    await peer.publish('com.interop.topic', ['second', 2], { acknowledge: true });
    await twoEvents;
    expect(events).toEqual([['first'], ['second', 2]]);

    let deliver: (args: unknown[]) => void = () => {};
    const received = new Promise<unknown[]>((resolve) => {
      deliver = resolve;
    });
    await peer.subscribe('com.interop.back', (event) => deliver(event.args));
    const publication = await session.publish('com.interop.back', ['from long-poll'], {}, { acknowledge: true });
    expect(typeof (publication as autobahn.Publication).id).toBe('number');
    expect(await received).toEqual(['from long-poll']);

    connection.close();
    expect(await closed).toBe('closed');
  });

  it('falls back to long-poll when WebSocket is not available, as Autobahn does in browsers', async () => {
    expect((globalThis as { WebSocket?: unknown }).WebSocket).toBeUndefined();
    const { session, connection, closed } = await open([
      { type: 'websocket', url: node.addresses[0]!.websocketUrls[0]! },
      { type: 'longpoll', url: lp },
    ]);
    expect((connection as unknown as { transport: { info: { type: string } } }).transport.info.type).toBe('longpoll');
    await peer.register('com.interop.ping', () => 'pong');
    expect(await session.call('com.interop.ping')).toBe('pong');
    connection.close();
    expect(await closed).toBe('closed');
  });
});
