import {
  bytesToHex,
  createCryptosignChallenge,
  cryptosignMessage,
  cryptosignPublicKey,
  cryptosignSign,
  cryptosignVerify,
  generateCryptosignSeed,
  hexToBytes,
} from '@interchange/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { TransportAuthConfig } from '../../src/auth/transport-auth.js';
import { expectCleanTraffic } from '../harness.js';
import {
  authClient,
  authenticate,
  authRouter,
  expectAuthFailed,
  flush,
  hello,
  ProcedureServer,
} from './auth-harness.js';

afterEach(expectCleanTraffic);

const alice = generateCryptosignSeed();
const aliceKey = bytesToHex(cryptosignPublicKey(alice));
const mallory = generateCryptosignSeed();
const malloryKey = bytesToHex(cryptosignPublicKey(mallory));
const routerSeed = generateCryptosignSeed();

const STATIC: TransportAuthConfig = {
  cryptosign: {
    type: 'static',
    principals: {
      'alice@example.com': { authorized_keys: [aliceKey.toUpperCase()], role: 'device', extra: { shelf: 3 } },
      'bob@example.com': {
        authorized_keys: [bytesToHex(cryptosignPublicKey(generateCryptosignSeed()))],
        role: 'device',
      },
    },
  },
};

describe('cryptosign, static', () => {
  it('challenges with 32 random bytes and welcomes a signature by an authorized key', () => {
    const { router } = authRouter();
    const client = authClient(router, STATIC);
    hello(client, { authmethods: ['cryptosign'], authid: 'alice@example.com', authextra: { pubkey: aliceKey } });
    const { extra } = client.takeOne('CHALLENGE');
    expect(extra).toEqual({ challenge: expect.stringMatching(/^[0-9a-f]{64}$/), channel_binding: null });
    authenticate(client, cryptosignSign(alice, extra.challenge as string));
    expect(client.takeOne('WELCOME').details).toMatchObject({
      authid: 'alice@example.com',
      authrole: 'device',
      authmethod: 'cryptosign',
      authprovider: 'static',
      authextra: { shelf: 3 },
    });
  });

  it('finds the principal by its key when the client gives no authid', () => {
    const { router } = authRouter();
    const client = authClient(router, STATIC);
    hello(client, {
      authmethods: ['cryptosign'],
      authextra: { pubkey: aliceKey, challenge: null, channel_binding: null, trustroot: null },
    });
    const { extra } = client.takeOne('CHALLENGE');
    authenticate(client, cryptosignSign(alice, extra.challenge as string));
    expect(client.takeOne('WELCOME').details.authid).toBe('alice@example.com');
  });

  it.each([
    ['a key not authorized for the authid', 'alice@example.com', () => malloryKey, () => mallory],
    ['an unknown key', undefined, () => malloryKey, () => mallory],
    ['a signature by another key than announced', 'alice@example.com', () => aliceKey, () => mallory],
    ['an unknown authid', 'carol@example.com', () => aliceKey, () => alice],
  ])('fails %s after a challenge like any other', (_case, authid, announced, signer) => {
    const { router } = authRouter();
    const client = authClient(router, STATIC);
    hello(client, {
      authmethods: ['cryptosign'],
      ...(authid === undefined ? {} : { authid }),
      authextra: { pubkey: announced() },
    });
    const { extra } = client.takeOne('CHALLENGE');
    expect(extra).toEqual({ challenge: expect.stringMatching(/^[0-9a-f]{64}$/), channel_binding: null });
    authenticate(client, cryptosignSign(signer(), extra.challenge as string));
    expectAuthFailed(client);
  });

  it('fails a signature that is not 96 bytes of hex', () => {
    const { router } = authRouter();
    const client = authClient(router, STATIC);
    hello(client, { authmethods: ['cryptosign'], authextra: { pubkey: aliceKey } });
    const { extra } = client.takeOne('CHALLENGE');
    authenticate(client, cryptosignSign(alice, extra.challenge as string).slice(0, 128));
    expectAuthFailed(client);
  });

  it('makes a replayed AUTHENTICATE fail: each challenge is fresh', () => {
    const { router } = authRouter();
    const first = authClient(router, STATIC);
    hello(first, { authmethods: ['cryptosign'], authextra: { pubkey: aliceKey } });
    const signature = cryptosignSign(alice, first.takeOne('CHALLENGE').extra.challenge as string);
    authenticate(first, signature);
    first.takeOne('WELCOME');
    const replay = authClient(router, STATIC);
    hello(replay, { authmethods: ['cryptosign'], authextra: { pubkey: aliceKey } });
    replay.takeOne('CHALLENGE');
    authenticate(replay, signature);
    expectAuthFailed(replay);
  });

  it('binds to the TLS channel when asked: the signature must be over challenge XOR channel id', () => {
    const { router } = authRouter();
    const channelId = hexToBytes('62e935ae755f3d48f80d4d59f6121358c435722a67e859cc0caa8b539027f2ff') as Uint8Array;
    const bound = (): ReturnType<typeof authClient> => {
      const client = authClient(router, STATIC, { transportCredentials: { channelId: { 'tls-unique': channelId } } });
      hello(client, { authmethods: ['cryptosign'], authextra: { pubkey: aliceKey, channel_binding: 'tls-unique' } });
      return client;
    };
    const good = bound();
    const extra = good.takeOne('CHALLENGE').extra;
    expect(extra.channel_binding).toBe('tls-unique');
    authenticate(good, cryptosignSign(alice, extra.challenge as string, channelId));
    good.takeOne('WELCOME');
    const unbound = bound();
    authenticate(unbound, cryptosignSign(alice, unbound.takeOne('CHALLENGE').extra.challenge as string));
    expectAuthFailed(unbound);
  });

  it('tls-unique without TLS: signs without the binding, as Crossbar expects', () => {
    const { router } = authRouter();
    const client = authClient(router, STATIC);
    hello(client, { authmethods: ['cryptosign'], authextra: { pubkey: aliceKey, channel_binding: 'tls-unique' } });
    const extra = client.takeOne('CHALLENGE').extra;
    expect(extra.channel_binding).toBe('tls-unique');
    authenticate(client, cryptosignSign(alice, extra.challenge as string));
    client.takeOne('WELCOME');
  });

  it('refuses tls-exporter without TLS, and tls-unique on TLS when the channel ID is missing', () => {
    const { router } = authRouter();
    const noTls = authClient(router, STATIC);
    hello(noTls, { authmethods: ['cryptosign'], authextra: { pubkey: aliceKey, channel_binding: 'tls-exporter' } });
    expectAuthFailed(noTls);
    const noId = authClient(router, STATIC, { transportCredentials: { channelId: {} } });
    hello(noId, { authmethods: ['cryptosign'], authextra: { pubkey: aliceKey, channel_binding: 'tls-unique' } });
    expectAuthFailed(noId);
  });

  it("tls-unique: also accepts the server's Finished message as channel ID (Autobahn|Python on Twisted)", () => {
    const { router } = authRouter();
    const clientFinished = new Uint8Array(32).fill(1);
    const serverFinished = new Uint8Array(32).fill(2);
    const bound = (): ReturnType<typeof authClient> => {
      const client = authClient(router, STATIC, {
        transportCredentials: {
          channelId: { 'tls-unique': clientFinished },
          alternateChannelIds: { 'tls-unique': serverFinished },
        },
      });
      hello(client, { authmethods: ['cryptosign'], authextra: { pubkey: aliceKey, channel_binding: 'tls-unique' } });
      return client;
    };
    for (const channelId of [clientFinished, serverFinished]) {
      const client = bound();
      authenticate(client, cryptosignSign(alice, client.takeOne('CHALLENGE').extra.challenge as string, channelId));
      client.takeOne('WELCOME');
    }
    const other = bound();
    const challenge = other.takeOne('CHALLENGE').extra.challenge as string;
    authenticate(other, cryptosignSign(alice, challenge, new Uint8Array(32).fill(3)));
    expectAuthFailed(other);
  });

  it('authenticates the router: signs the client challenge with the router key', () => {
    const { router } = authRouter({ auth: { routerKey: bytesToHex(routerSeed) } });
    const client = authClient(router, STATIC);
    const clientChallenge = createCryptosignChallenge();
    hello(client, { authmethods: ['cryptosign'], authextra: { pubkey: aliceKey, challenge: clientChallenge } });
    const { extra } = client.takeOne('CHALLENGE');
    expect(extra.pubkey).toBe(bytesToHex(cryptosignPublicKey(routerSeed)));
    const routerKey = hexToBytes(extra.pubkey as string) as Uint8Array;
    expect(
      cryptosignVerify(routerKey, extra.signature as string, cryptosignMessage(clientChallenge) as Uint8Array),
    ).toBe(true);
    authenticate(client, cryptosignSign(alice, extra.challenge as string));
    client.takeOne('WELCOME');
  });

  it('leaves the client challenge unanswered when the router has no key', () => {
    const { router } = authRouter();
    const client = authClient(router, STATIC);
    hello(client, {
      authmethods: ['cryptosign'],
      authextra: { pubkey: aliceKey, challenge: createCryptosignChallenge() },
    });
    expect(client.takeOne('CHALLENGE').extra.signature).toBeUndefined();
  });

  it('never logs signatures', () => {
    const { router, logger } = authRouter();
    const client = authClient(router, STATIC);
    hello(client, { authmethods: ['cryptosign'], authextra: { pubkey: malloryKey } });
    const signature = cryptosignSign(mallory, client.takeOne('CHALLENGE').extra.challenge as string);
    authenticate(client, signature);
    expect(logger.text).not.toContain(signature.slice(0, 64));
  });
});

describe('cryptosign, dynamic', () => {
  const DYNAMIC: TransportAuthConfig = { cryptosign: { type: 'dynamic', authenticator: 'com.example.authenticate' } };

  it('gets the principal and its pubkey from the authenticator, keyed by the announced pubkey', async () => {
    const { router } = authRouter();
    const server = new ProcedureServer(router);
    server.serve('com.example.authenticate', ({ args }) => {
      const details = args[2] as { authextra: { pubkey: string } };
      return details.authextra.pubkey === aliceKey
        ? { pubkey: aliceKey, role: 'device', authid: 'alice' }
        : Promise.reject(new Error('unknown'));
    });
    const client = authClient(router, DYNAMIC);
    hello(client, { authmethods: ['cryptosign'], authextra: { pubkey: aliceKey } });
    await flush();
    const { extra } = client.takeOne('CHALLENGE');
    authenticate(client, cryptosignSign(alice, extra.challenge as string));
    expect(client.takeOne('WELCOME').details).toMatchObject({
      authid: 'alice',
      authrole: 'device',
      authprovider: 'dynamic',
    });
  });

  it('assigns the hex public key as authid when nobody names one', async () => {
    const { router } = authRouter();
    new ProcedureServer(router).serve('com.example.authenticate', () => ({ pubkey: aliceKey, role: 'device' }));
    const client = authClient(router, DYNAMIC);
    hello(client, { authmethods: ['cryptosign'], authextra: { pubkey: aliceKey } });
    await flush();
    authenticate(client, cryptosignSign(alice, client.takeOne('CHALLENGE').extra.challenge as string));
    expect(client.takeOne('WELCOME').details.authid).toBe(aliceKey);
  });

  it.each([
    ['refuses', () => Promise.reject(new Error('no'))],
    ['answers another key', () => ({ pubkey: malloryKey, role: 'device' })],
    ['answers no key', () => ({ role: 'device' })],
  ])('fails at AUTHENTICATE when the authenticator %s', async (_case, handler) => {
    const { router } = authRouter();
    new ProcedureServer(router).serve('com.example.authenticate', handler);
    const client = authClient(router, DYNAMIC);
    hello(client, { authmethods: ['cryptosign'], authextra: { pubkey: aliceKey } });
    await flush();
    authenticate(client, cryptosignSign(alice, client.takeOne('CHALLENGE').extra.challenge as string));
    expectAuthFailed(client);
  });
});
