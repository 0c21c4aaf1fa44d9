/**
 * The core entry point and the opt-in ones (issue 16), through the package's exports map: the
 * core speaks JSON over WebSocket with anonymous or ticket auth, names the import that is missing
 * for anything else, and each opt-in entry, once imported, makes its part work. This file must
 * not import `@interchange/client` or `../src/index.js`, which load every entry.
 */

import { connect, Session, serializerLoaded } from '@interchange/client/core';
import { InvalidArgumentError, TransportError } from '@interchange/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryTransportPair } from '../src/transport-memory.js';
import { MiniRouter } from './helpers/mini-router.js';

function idleSession(options: ConstructorParameters<typeof Session>[1]): Session {
  const { client } = createMemoryTransportPair();
  return new Session(client, options);
}

describe('the core entry point alone', () => {
  let router: MiniRouter;
  beforeAll(async () => {
    router = await MiniRouter.start();
  });
  afterAll(async () => {
    await router.close();
  });

  it('calls and publishes over WebSocket with JSON', async () => {
    const session = await connect({ url: router.url, realm: 'realm1' });
    await session.register('com.example.add2', ({ args }) => (args[0] as number) + (args[1] as number));
    expect((await session.call('com.example.add2', [2, 3])).args).toEqual([5]);
    expect(session.transport.serializer).toBe('json');
    await session.leave();
  });

  it('names the import for a serializer it does not load', async () => {
    expect(serializerLoaded('cbor')).toBe(false);
    await expect(connect({ url: router.url, realm: 'realm1', serializers: ['cbor'] })).rejects.toThrow(
      "the cbor serializer is not loaded: import '@interchange/client/cbor'",
    );
    await expect(connect({ url: router.url, realm: 'realm1', protocols: ['wamp.2.msgpack'] })).rejects.toThrow(
      "import '@interchange/client/msgpack'",
    );
  });

  it('names the import for an auth method it does not load, and keeps anonymous and ticket', () => {
    expect(() => idleSession({ realm: 'realm1', auth: { wampcra: { authid: 'joe', secret: 's' } } })).toThrow(
      InvalidArgumentError,
    );
    expect(() => idleSession({ realm: 'realm1', auth: { scram: { authid: 'joe', password: 'pw' } } })).toThrow(
      "auth.scram is not loaded: import '@interchange/client/auth/scram'",
    );
    expect(() => idleSession({ realm: 'realm1', auth: { cryptosign: { privateKey: '00'.repeat(32) } } })).toThrow(
      "import '@interchange/client/auth/cryptosign'",
    );
    expect(() => idleSession({ realm: 'realm1', auth: { ticket: 'abc' } })).not.toThrow();
    expect(() => idleSession({ realm: 'realm1', auth: { anonymous: true } })).not.toThrow();
  });

  it('names the import for long-poll and RawSocket, and for session.meta', async () => {
    await expect(connect({ url: 'http://127.0.0.1:9/lp', realm: 'realm1' })).rejects.toThrow(TransportError);
    await expect(connect({ url: 'http://127.0.0.1:9/lp', realm: 'realm1' })).rejects.toThrow(
      "import '@interchange/client/longpoll'",
    );
    await expect(connect({ url: 'rs://127.0.0.1:9', realm: 'realm1' })).rejects.toThrow(
      "import '@interchange/client/rawsocket'",
    );
    expect(() => idleSession({ realm: 'realm1' }).meta).toThrow("import '@interchange/client/meta'");
  });

  it('loads each part with its entry point', async () => {
    const cbor = await import('@interchange/client/cbor');
    await import('@interchange/client/msgpack');
    await import('@interchange/client/auth/wampcra');
    await import('@interchange/client/auth/scram');
    await import('@interchange/client/auth/cryptosign');
    const longpoll = await import('@interchange/client/longpoll');
    const rawsocket = await import('@interchange/client/rawsocket');
    const meta = await import('@interchange/client/meta');
    expect(serializerLoaded('cbor') && serializerLoaded('msgpack')).toBe(true);
    expect(cbor.createCborSerializer().subprotocol).toBe('wamp.2.cbor');
    expect(typeof longpoll.connectLongPoll).toBe('function');
    expect(typeof rawsocket.connectRawSocket).toBe('function');
    expect(idleSession({ realm: 'realm1' }).meta).toBeInstanceOf(meta.MetaApi);
    expect(() => idleSession({ realm: 'realm1', auth: { wampcra: { authid: 'joe', secret: 's' } } })).not.toThrow();
    expect(() => idleSession({ realm: 'realm1', auth: { scram: { authid: 'joe', password: 'pw' } } })).not.toThrow();
    expect(() => idleSession({ realm: 'realm1', auth: { cryptosign: { privateKey: '00'.repeat(32) } } })).not.toThrow();
    // The router speaks JSON only: a cbor-first offer still agrees on JSON, now that cbor loads.
    const session = await connect({ url: router.url, realm: 'realm1', serializers: ['cbor', 'json'] });
    expect(session.transport.serializer).toBe('json');
    await session.leave();
    // RawSocket entries now get as far as the network.
    await expect(connect({ url: 'rs://127.0.0.1:9', realm: 'realm1' })).rejects.not.toThrow("import '@interchange");
  });
});
