import { createSerializer, type WampMessage } from '@interchange/protocol';
import { describe, expect, it } from 'vitest';
import { createMemoryTransportPair, Session, type TransportCloseInfo } from '../src/index.js';
import { flush } from './helpers/fake-clock.js';

const goodbye: WampMessage = { type: 'GOODBYE', details: {}, reason: 'wamp.close.normal' };

describe('createMemoryTransportPair', () => {
  for (const serializer of [undefined, createSerializer('json'), createSerializer('msgpack', { batched: true })]) {
    const label = serializer === undefined ? 'objects' : serializer.subprotocol;

    it(`delivers in order, asynchronously, both ways (${label})`, async () => {
      const { client, router } = createMemoryTransportPair(serializer === undefined ? {} : { serializer });
      const atRouter: WampMessage[] = [];
      const atClient: WampMessage[] = [];
      router.attach({ onMessage: (m) => void atRouter.push(m), onClose: () => {} });
      client.attach({ onMessage: (m) => void atClient.push(m), onProtocolError: () => {}, onClose: () => {} });
      for (let i = 1; i <= 3; i++)
        client.send({ type: 'PUBLISH', requestId: i, options: {}, topic: 'com.t', args: [i] });
      router.send({ type: 'PUBLISHED', requestId: 1, publication: 10 });
      expect(atRouter).toEqual([]); // never from inside send
      await flush();
      expect(atRouter.map((m) => (m.type === 'PUBLISH' ? m.args : undefined))).toEqual([[1], [2], [3]]);
      expect(atClient).toEqual([{ type: 'PUBLISHED', requestId: 1, publication: 10 }]);
    });
  }

  it('queues messages sent before the receiver attaches', async () => {
    const { client, router } = createMemoryTransportPair();
    router.send(goodbye);
    await flush();
    const got: WampMessage[] = [];
    client.attach({ onMessage: (m) => void got.push(m), onProtocolError: () => {}, onClose: () => {} });
    await flush();
    expect(got).toEqual([goodbye]);
  });

  it('closes both ends after the messages already sent, with the code and reason', async () => {
    const { client, router } = createMemoryTransportPair();
    const order: string[] = [];
    let info: TransportCloseInfo | undefined;
    client.attach({
      onMessage: (m) => void order.push(m.type),
      onProtocolError: () => {},
      onClose: (i) => {
        info = i;
        order.push('close');
      },
    });
    router.attach({ onMessage: () => {}, onClose: () => void order.push('router-close') });
    router.send(goodbye);
    router.close(4000, 'done');
    router.send(goodbye); // after close: dropped
    await flush();
    expect(order.filter((o) => o !== 'router-close')).toEqual(['GOODBYE', 'close']);
    expect(order).toContain('router-close');
    expect(info).toEqual({ code: 4000, reason: 'done', wasClean: true });
    expect(router.closed).toBe(true);
  });

  it('reports an unclean drop to both ends', async () => {
    const { client, router } = createMemoryTransportPair();
    const infos: TransportCloseInfo[] = [];
    client.attach({ onMessage: () => {}, onProtocolError: () => {}, onClose: (i) => void infos.push(i) });
    router.attach({ onMessage: () => {}, onClose: (i) => void infos.push(i) });
    router.drop();
    await flush();
    expect(infos).toEqual([
      { code: 1006, reason: '', wasClean: false },
      { code: 1006, reason: '', wasClean: false },
    ]);
  });

  it('throws in the sender when the serializer cannot encode, and never in the router end', () => {
    const { client, router } = createMemoryTransportPair({ serializer: createSerializer('json') });
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() =>
      client.send({ type: 'CALL', requestId: 1, options: {}, procedure: 'com.x', args: [cyclic] }),
    ).toThrow();
    expect(() => router.send({ type: 'RESULT', requestId: 1, details: {}, args: [cyclic] })).not.toThrow();
  });

  it('carries a whole session: the router end has the router Peer shape', async () => {
    const { client, router } = createMemoryTransportPair({ serializer: createSerializer('cbor') });
    expect(router.info).toEqual({ type: 'memory', serializer: 'cbor', peer: 'memory' });
    router.attach({
      onMessage: (m) => {
        if (m.type === 'HELLO') router.send({ type: 'WELCOME', session: 1, details: { roles: { broker: {} } } });
      },
      onClose: () => {},
    });
    const session = new Session(client, { realm: 'realm1' });
    await session.join();
    expect(session.id).toBe(1);
    expect(client.serializer).toBe('cbor');
  });
});
