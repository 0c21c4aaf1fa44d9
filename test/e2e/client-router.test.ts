/**
 * Our own client against our own router over real WebSockets: the typed API with each
 * serializer, and a Connection that loses its node and reconnects when it comes back.
 */
import { ApplicationError, connect, type Event, Result, type Session } from '@interchange/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRestartingNode, watchConnection } from './support/restarting-node.js';
import { startTestNode, type TestNode } from './support/test-node.js';

describe.each(['json', 'msgpack', 'cbor'] as const)('typed client over wamp.2.%s', (serializer) => {
  let node: TestNode;
  let backend: Session;
  let frontend: Session;

  beforeAll(async () => {
    node = await startTestNode();
    backend = await connect({ url: node.url, realm: 'realm1', serializers: [serializer] });
    frontend = await connect({ url: node.url, realm: 'realm1', serializers: [serializer] });
  });
  afterAll(async () => {
    await frontend.leave();
    await backend.leave();
    await node.stop();
  });

  it('joins with the anonymous identity the router gives it', () => {
    expect(frontend.details?.authrole).toBe('anonymous');
    expect(frontend.details?.realm).toBe('realm1');
    expect(frontend.id).not.toBe(backend.id);
  });

  it('calls a procedure another session registered, with args, kwargs and bytes', async () => {
    const registration = await backend.register('com.e2e.describe', (invocation) => {
      const [blob] = invocation.args as [Uint8Array];
      return new Result([blob.length, [...blob].reverse()], { ...invocation.kwargs, by: 'backend' });
    });
    const result = await frontend.call('com.e2e.describe', [new Uint8Array([1, 2, 3])], {
      kwargs: { asked: true },
    });
    expect(result.args).toEqual([3, [3, 2, 1]]);
    expect(result.kwargs).toEqual({ asked: true, by: 'backend' });
    await registration.unregister();
    await expect(frontend.call('com.e2e.describe')).rejects.toMatchObject({
      uri: 'wamp.error.no_such_procedure',
    });
  });

  it('gets the application error a callee raised', async () => {
    await backend.register('com.e2e.refuse', () => {
      throw new ApplicationError('com.e2e.refused', { args: ['no'], kwargs: { why: 'testing' } });
    });
    const error = await frontend.call('com.e2e.refuse').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationError);
    expect(error).toMatchObject({ uri: 'com.e2e.refused', args: ['no'], kwargs: { why: 'testing' } });
  });

  it('delivers events to a subscription read as an async iterable', async () => {
    const subscription = await backend.subscribe('com.e2e.ticks');
    for (const n of [1, 2, 3]) await frontend.publish('com.e2e.ticks', [n], { acknowledge: true });
    const seen: unknown[] = [];
    for await (const event of subscription as AsyncIterable<Event>) {
      seen.push(event.args[0]);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual([1, 2, 3]);
  });
});

describe('a Connection whose node goes away and comes back', () => {
  it('reports the loss, retries, and opens a new session on the restarted node', async () => {
    const node = await startRestartingNode();
    const { connection, opened, closes, nextOpen } = watchConnection(node.url);
    try {
      const firstOpen = nextOpen();
      connection.open();
      await firstOpen;
      await opened[0]?.register('com.e2e.where', () => 'first node');
      expect((await opened[0]?.call('com.e2e.where'))?.args).toEqual(['first node']);

      // The node dies without a GOODBYE; the client sees the transport lost and retries.
      const secondOpen = nextOpen();
      await node.kill();
      await node.restart();
      await secondOpen;

      expect(closes[0]?.reason).toBe('lost');
      expect(closes[0]?.details.will_retry).toBe(true);
      expect(opened).toHaveLength(2);
      expect(opened[1]?.id).not.toBe(opened[0]?.id);
      // Registrations are not restored on reconnect (as in Autobahn): onopen registers again.
      await expect(opened[1]?.call('com.e2e.where')).rejects.toMatchObject({
        uri: 'wamp.error.no_such_procedure',
      });
    } finally {
      await connection.close();
      await node.stop();
    }
  });

  it('after a graceful stop (GOODBYE wamp.close.system_shutdown), reconnects to the restarted node', async () => {
    const node = await startRestartingNode();
    const { connection, opened, closes, nextOpen } = watchConnection(node.url);
    try {
      const firstOpen = nextOpen();
      connection.open();
      await firstOpen;
      const secondOpen = nextOpen();
      const exited = new Promise((resolve) => node.child.once('exit', resolve));
      node.child.kill('SIGTERM');
      await exited;
      await node.restart();
      await secondOpen;
      expect(closes[0]?.details).toMatchObject({ reason: 'wamp.close.system_shutdown', will_retry: true });
      expect(opened).toHaveLength(2);
      expect(opened[1]?.isOpen).toBe(true);
    } finally {
      await connection.close();
      await node.stop();
    }
  });
});
