import { craDeriveKey, craSign } from '@interchange/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { TransportAuthConfig } from '../../src/auth/transport-auth.js';
import { expectCleanTraffic, type TestClient } from '../harness.js';
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

const STATIC: TransportAuthConfig = {
  wampcra: {
    type: 'static',
    users: {
      peter: { secret: 'secret1', role: 'user' },
      salty: {
        secret: 'prq7+YkJ1/KlW1X0YczMHw==',
        role: 'user',
        salt: 'salt123',
        iterations: 100,
        keylen: 32,
        extra: { tier: 'gold' },
      },
    },
  },
};

/** Joins with HELLO, reads the CHALLENGE, answers with a signature made by `sign`. */
function challengeOf(client: TestClient, authid: string): Record<string, unknown> {
  hello(client, { authmethods: ['wampcra'], authid });
  const challenge = client.takeOne('CHALLENGE');
  expect(challenge.authMethod).toBe('wampcra');
  return challenge.extra;
}

describe('wampcra, static', () => {
  it('sends the challenge the spec describes and welcomes a correct signature', () => {
    const { router, clock } = authRouter();
    clock.advance(Date.UTC(2024, 0, 2, 3, 4, 5));
    const client = authClient(router, STATIC);
    const extra = challengeOf(client, 'peter');
    expect(Object.keys(extra)).toEqual(['challenge']);
    const challenge = JSON.parse(extra.challenge as string) as Record<string, unknown>;
    expect(challenge).toMatchObject({
      authid: 'peter',
      authrole: 'user',
      authmethod: 'wampcra',
      authprovider: 'static',
      timestamp: '2024-01-02T03:04:05.000Z',
    });
    expect(typeof challenge.nonce).toBe('string');
    authenticate(client, craSign('secret1', extra.challenge as string));
    const welcome = client.takeOne('WELCOME');
    // Spec: the challenge's session is "the WAMP session ID that will be assigned".
    expect(welcome.session).toBe(challenge.session);
    expect(welcome.details).toMatchObject({
      authid: 'peter',
      authrole: 'user',
      authmethod: 'wampcra',
      authprovider: 'static',
    });
    expect(welcome.details.authextra).toBeUndefined();
  });

  it('salts: sends salt, iterations and keylen, and expects the signature under the derived key', () => {
    const { router } = authRouter();
    const client = authClient(router, STATIC);
    const extra = challengeOf(client, 'salty');
    expect(extra).toMatchObject({ salt: 'salt123', iterations: 100, keylen: 32 });
    const key = craDeriveKey('prq7+YkJ1/KlW1X0YczMHw==', 'salt123', 100, 32);
    authenticate(client, craSign(key, extra.challenge as string));
    expect(client.takeOne('WELCOME').details).toMatchObject({ authid: 'salty', authextra: { tier: 'gold' } });
  });

  it('salts: also accepts the configured secret as the derived key (the spec and Crossbar docs store it so)', () => {
    // User `documented` stores what PBKDF2('secret1', 'salt123', 100, 16) gives, as the spec's
    // "Password Salting" section and Crossbar's documentation write it; the client knows only
    // the password, derives with the challenge's parameters, and signs with the result.
    const { router } = authRouter();
    const client = authClient(router, {
      wampcra: {
        type: 'static',
        users: {
          documented: {
            secret: 'prq7+YkJ1/KlW1X0YczMHw==',
            role: 'user',
            salt: 'salt123',
            iterations: 100,
            keylen: 16,
          },
        },
      },
    });
    const extra = challengeOf(client, 'documented');
    expect(extra).toMatchObject({ salt: 'salt123', iterations: 100, keylen: 16 });
    const key = craDeriveKey('secret1', extra.salt as string, extra.iterations as number, extra.keylen as number);
    expect(key).toBe('prq7+YkJ1/KlW1X0YczMHw==');
    authenticate(client, craSign(key, extra.challenge as string));
    expect(client.takeOne('WELCOME').details).toMatchObject({ authid: 'documented' });
  });

  it('salts: refuses a signature under a key derived from another password', () => {
    const { router } = authRouter();
    const client = authClient(router, STATIC);
    const extra = challengeOf(client, 'salty');
    const key = craDeriveKey('secret2', 'salt123', 100, 32);
    authenticate(client, craSign(key, extra.challenge as string));
    expectAuthFailed(client);
  });

  it.each([
    ['a wrong secret', 'peter', 'wrong'],
    ['garbage', 'peter', undefined],
  ])('fails %s', (_case, authid, secret) => {
    const { router } = authRouter();
    const client = authClient(router, STATIC);
    const extra = challengeOf(client, authid);
    authenticate(client, secret === undefined ? 'not-a-signature' : craSign(secret, extra.challenge as string));
    expectAuthFailed(client);
  });

  it('challenges an unknown user like a known one (salted like the users, the same salt each time), then fails', () => {
    const { router } = authRouter();
    // Only salted users: every mock is salted (with mixed users, see "wampcra mock challenges").
    const salted = STATIC.wampcra?.type === 'static' ? STATIC.wampcra.users.salty : undefined;
    const SALTED: TransportAuthConfig = { wampcra: { type: 'static', users: { salty: salted! } } };
    const first = authClient(router, SALTED);
    const extra = challengeOf(first, 'nobody');
    expect(Object.keys(extra).sort()).toEqual(['challenge', 'iterations', 'keylen', 'salt']);
    expect(JSON.parse(extra.challenge as string)).toMatchObject({ authid: 'nobody', authmethod: 'wampcra' });
    authenticate(first, craSign('anything', extra.challenge as string));
    expectAuthFailed(first);
    const second = authClient(router, SALTED);
    expect(challengeOf(second, 'nobody').salt).toBe(extra.salt);
    const other = authClient(router, SALTED);
    expect(challengeOf(other, 'someone-else').salt).not.toBe(extra.salt);
  });

  it('makes a replayed AUTHENTICATE fail: a signature for one session is useless in another', () => {
    const { router } = authRouter();
    const victim = authClient(router, STATIC);
    const extra = challengeOf(victim, 'peter');
    const signature = craSign('secret1', extra.challenge as string);
    authenticate(victim, signature);
    victim.takeOne('WELCOME');
    const attacker = authClient(router, STATIC);
    challengeOf(attacker, 'peter');
    authenticate(attacker, signature);
    expectAuthFailed(attacker);
  });

  it('never logs secrets or signatures', () => {
    const { router, logger } = authRouter();
    const client = authClient(router, STATIC);
    const extra = challengeOf(client, 'peter');
    const wrong = craSign('wrong', extra.challenge as string);
    authenticate(client, wrong);
    expect(logger.entries.find((e) => e.msg === 'authentication failed')?.obj).toMatchObject({
      authid: 'peter',
      authmethod: 'wampcra',
      reason: 'wrong signature',
    });
    expect(logger.text).not.toContain(wrong);
    expect(logger.text).not.toContain('secret1');
  });
});

describe('wampcra, dynamic (seed 002: authenticator api.auth)', () => {
  const SEED: TransportAuthConfig = { wampcra: { type: 'dynamic', authenticator: 'api.auth' } };

  it('asks the authenticator at HELLO for the secret, challenges, and welcomes', async () => {
    const { router } = authRouter({ realms: [{ name: 'acme-company' }] });
    const server = new ProcedureServer(router, 'acme-company');
    server.serve('api.auth', ({ args }) => {
      const [realm, authid] = args as [string, string];
      return authid === 'peter'
        ? { secret: 'secret2', role: 'anonymous', extra: { realm } }
        : Promise.reject(new Error('unknown'));
    });
    const client = authClient(router, SEED);
    hello(client, { authmethods: ['wampcra'], authid: 'peter' }, 'acme-company');
    await flush();
    const challenge = client.takeOne('CHALLENGE');
    expect(JSON.parse(challenge.extra.challenge as string)).toMatchObject({
      authid: 'peter',
      authrole: 'anonymous',
      authprovider: 'dynamic',
    });
    expect(server.calls[0]?.args).toEqual([
      'acme-company',
      'peter',
      expect.objectContaining({ authmethod: 'wampcra', authid: 'peter' }),
    ]);
    authenticate(client, craSign('secret2', challenge.extra.challenge as string));
    expect(client.takeOne('WELCOME').details).toMatchObject({
      realm: 'acme-company',
      authid: 'peter',
      authrole: 'anonymous',
      authmethod: 'wampcra',
      authprovider: 'dynamic',
      authextra: { realm: 'acme-company' },
    });
  });

  it('salts when the authenticator answers with salt parameters', async () => {
    const { router } = authRouter();
    new ProcedureServer(router).serve('api.auth', () => ({
      secret: 's',
      role: 'user',
      salt: 'NaCl',
      iterations: 10,
      keylen: 16,
    }));
    const client = authClient(router, SEED);
    hello(client, { authmethods: ['wampcra'], authid: 'peter' });
    await flush();
    const { extra } = client.takeOne('CHALLENGE');
    expect(extra).toMatchObject({ salt: 'NaCl', iterations: 10, keylen: 16 });
    authenticate(client, craSign(craDeriveKey('s', 'NaCl', 10, 16), extra.challenge as string));
    expect(client.takeOne('WELCOME').details.authid).toBe('peter');
  });

  it.each([
    ['refuses (throws)', () => Promise.reject(new Error('no such user'))],
    ['returns no secret', () => ({ role: 'user' })],
  ])('sends a mock challenge when the authenticator %s, and fails at AUTHENTICATE', async (_case, handler) => {
    const { router } = authRouter();
    new ProcedureServer(router).serve('api.auth', handler);
    const client = authClient(router, SEED);
    hello(client, { authmethods: ['wampcra'], authid: 'peter' });
    await flush();
    const { extra } = client.takeOne('CHALLENGE');
    expect(JSON.parse(extra.challenge as string)).toMatchObject({ authid: 'peter', authmethod: 'wampcra' });
    authenticate(client, craSign('whatever', extra.challenge as string));
    await flush();
    expectAuthFailed(client);
  });
});

describe('wampcra mock challenges', () => {
  /** The challenge an authid gets, with the router's throttle out of the way. */
  const shapeOf = (router: ReturnType<typeof authRouter>['router'], authid: string) => {
    const client = authClient(router, STATIC);
    const extra = challengeOf(client, authid);
    client.connection.transportClosed();
    return 'salt' in extra ? 'salted' : 'plain';
  };

  it('are salted as often as the configured users are, the same each time for one authid', () => {
    const { router } = authRouter({ auth: { throttle: { authid: false, address: false } } });
    // Real users: one salted, one not. Unknown authids must not all look like one kind.
    const shapes = Array.from({ length: 40 }, (_, i) => shapeOf(router, `nobody${i}`));
    expect(shapes).toContain('salted');
    expect(shapes).toContain('plain');
    expect(shapeOf(router, 'nobody7')).toBe(shapes[7]);
    expect(shapeOf(router, 'peter')).toBe('plain');
    expect(shapeOf(router, 'salty')).toBe('salted');
  });
});
