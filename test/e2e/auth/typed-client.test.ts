/**
 * Our typed client against our router over real WebSockets, with the `auth` option: every
 * method, static and dynamic, each with a failure; seed 002's dynamic WAMP-CRA; cryptosign router
 * authentication with the node key; a dynamic authorizer deciding a role's calls.
 */
import { ApplicationError, CryptosignKey, connect, type Session } from '@interchange/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthNode, CREDENTIALS, startAuthNode } from './auth-node.js';

let node: AuthNode;
beforeAll(async () => {
  node = await startAuthNode();
});
afterAll(async () => {
  await node?.stop();
});

async function refusal(promise: Promise<Session>): Promise<ApplicationError> {
  const error = await promise.then(
    (session) => {
      void session.leave();
      throw new Error('joined, but should not have');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationError);
  return error as ApplicationError;
}

describe('typed client, static methods on /ws', () => {
  it('ticket: joins with the principal and its authextra; a wrong ticket is authentication_failed', async () => {
    const session = await connect({ url: node.url('ws'), realm: 'realm1', auth: { ticket: CREDENTIALS.ticket } });
    expect(session.details).toMatchObject({
      authid: 'joe',
      authrole: 'user',
      authmethod: 'ticket',
      authprovider: 'static',
      authextra: { plan: 'gold' },
    });
    await session.leave();
    const error = await refusal(
      connect({ url: node.url('ws'), realm: 'realm1', auth: { ticket: { authid: 'joe-wrong', ticket: 'nope' } } }),
    );
    expect(error).toMatchObject({ uri: 'wamp.error.authentication_failed', args: ['Authentication failed.'] });
  });

  it('wampcra, plain and salted', async () => {
    for (const { authid, secret } of [CREDENTIALS.wampcra, CREDENTIALS.wampcraSalted]) {
      const session = await connect({ url: node.url('ws'), realm: 'realm1', auth: { wampcra: { authid, secret } } });
      expect(session.details).toMatchObject({ authid, authmethod: 'wampcra' });
      await session.leave();
    }
    const error = await refusal(
      connect({ url: node.url('ws'), realm: 'realm1', auth: { wampcra: { authid: 'salty-x', secret: 'wrong' } } }),
    );
    expect(error.uri).toBe('wamp.error.authentication_failed');
  });

  it('cryptosign, with the router authenticated by the node key', async () => {
    const privateKey = CryptosignKey.load(CREDENTIALS.cryptosign.seed);
    const session = await connect({
      url: node.url('ws'),
      realm: 'realm1',
      auth: { cryptosign: { privateKey, routerKey: node.routerPublicKey } },
    });
    expect(session.details).toMatchObject({ authid: 'device01', authrole: 'device', authmethod: 'cryptosign' });
    await session.leave();
    const impostor = await refusal(
      connect({
        url: node.url('ws'),
        realm: 'realm1',
        auth: { cryptosign: { privateKey, routerKey: CryptosignKey.generate().publicKey } },
      }),
    );
    expect(impostor.uri).toBe('wamp.error.cannot_authenticate');
    const stranger = await refusal(
      connect({ url: node.url('ws'), realm: 'realm1', auth: { cryptosign: { privateKey: CryptosignKey.generate() } } }),
    );
    expect(stranger.uri).toBe('wamp.error.authentication_failed');
  });

  it('wamp-scram with PBKDF2 and Argon2id, and the router proven by the verifier', async () => {
    for (const { authid, password } of [CREDENTIALS.scramPbkdf2, CREDENTIALS.scramArgon2]) {
      const session = await connect({ url: node.url('ws'), realm: 'realm1', auth: { scram: { authid, password } } });
      expect(session.details).toMatchObject({
        authid,
        authmethod: 'wamp-scram',
        authextra: { verifier: expect.any(String) },
      });
      await session.leave();
    }
    const error = await refusal(
      connect({ url: node.url('ws'), realm: 'realm1', auth: { scram: { authid: 'alice-x', password: 'wrong' } } }),
    );
    expect(error.uri).toBe('wamp.error.authentication_failed');
  });

  it("scram in Crossbar's dialect", async () => {
    const { authid, password } = CREDENTIALS.scramCrossbar;
    const session = await connect({
      url: node.url('ws'),
      realm: 'realm1',
      auth: { scram: { authid, password, dialect: 'scram' } },
    });
    expect(session.details).toMatchObject({
      authid,
      authmethod: 'scram',
      authextra: { scram_server_signature: expect.any(String) },
    });
    await session.leave();
  });

  it('refuses anonymous access where the transport does not allow it', async () => {
    const error = await refusal(connect({ url: node.url('ws'), realm: 'realm1' }));
    expect(error.uri).toBe('wamp.error.no_auth_method');
  });
});

describe("seed 002: dynamic wampcra with authenticator 'api.auth'", () => {
  it('joins acme-company through the hosted authenticator, plain and salted, and works there', async () => {
    const session = await connect({
      url: node.url('seed'),
      realm: 'acme-company',
      auth: { wampcra: CREDENTIALS.seed },
    });
    expect(session.details).toMatchObject({
      realm: 'acme-company',
      authid: 'peter',
      authrole: 'anonymous',
      authmethod: 'wampcra',
      authprovider: 'dynamic',
      authextra: { greeting: 'welcome to acme' },
    });
    expect((await session.call('com.acme.hello')).args).toEqual(['hello from acme']);
    await session.leave();
    const salted = await connect({
      url: node.url('seed'),
      realm: 'acme-company',
      auth: { wampcra: CREDENTIALS.seed.salted },
    });
    expect(salted.details?.authid).toBe('salty');
    await salted.leave();
  });

  it('refuses unknown users and wrong secrets alike', async () => {
    for (const wampcra of [
      { authid: 'mallory', secret: 'secret2' },
      { authid: 'peter', secret: 'wrong' },
    ]) {
      const error = await refusal(connect({ url: node.url('seed'), realm: 'acme-company', auth: { wampcra } }));
      expect(error).toMatchObject({ uri: 'wamp.error.authentication_failed', args: ['Authentication failed.'] });
    }
  });
});

describe('dynamic ticket with a dynamic authorizer on /dyn', () => {
  it('lets the authorizer decide each call of the role', async () => {
    const session = await connect({ url: node.url('dyn'), realm: 'realm1', auth: { ticket: CREDENTIALS.dynamic } });
    expect(session.details).toMatchObject({
      authid: 'fe-user',
      authrole: 'frontend',
      authprovider: 'dynamic',
      authextra: { source: 'authenticator', host: new URL(node.url('dyn')).host },
    });
    // The authenticator saw the handshake's headers, without those that only served the handshake.
    const seen = (session.details?.authextra as { headers?: string[] } | undefined)?.headers;
    expect(seen).toEqual(expect.arrayContaining(['host', 'sec-websocket-protocol']));
    expect(seen).not.toEqual(expect.arrayContaining(['sec-websocket-key']));
    expect(seen).not.toEqual(expect.arrayContaining(['upgrade']));
    // Allowed, with the caller disclosed as the authorizer says; the second call uses the cached answer.
    expect((await session.call('com.example.echo')).args).toEqual([{ caller: 'fe-user' }]);
    expect((await session.call('com.example.echo')).args).toEqual([{ caller: 'fe-user' }]);
    await expect(session.call('com.example.secret')).rejects.toMatchObject({ uri: 'wamp.error.not_authorized' });
    await expect(session.subscribe('com.example.topic', () => {})).rejects.toMatchObject({
      uri: 'wamp.error.not_authorized',
    });
    await session.leave();
  });

  it('refuses a ticket the authenticator denies', async () => {
    const error = await refusal(
      connect({ url: node.url('dyn'), realm: 'realm1', auth: { ticket: { authid: 'fe-user-2', ticket: 'nope' } } }),
    );
    expect(error.uri).toBe('wamp.error.authentication_failed');
  });
});
