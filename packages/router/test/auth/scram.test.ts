import {
  base64ToBytes,
  createScramNonce,
  deriveScramCredential,
  encodeBase64,
  type ScramDialectName,
  scramAuthMessage,
  scramClientProof,
  scramKeys,
  scramSaltedPassword,
  scramServerSignature,
} from '@interchange/protocol';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ScramPrincipal, TransportAuthConfig } from '../../src/auth/transport-auth.js';
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

const SALT = new Uint8Array(16).fill(9);
let pbkdf2User: ScramPrincipal;
let argonUser: ScramPrincipal;
let crossbarUser: ScramPrincipal;
let config: TransportAuthConfig;

beforeAll(async () => {
  pbkdf2User = {
    ...(await deriveScramCredential('pencil', { kdf: 'pbkdf2', iterations: 64, salt: SALT })),
    role: 'user',
    extra: { plan: 'basic' },
  };
  argonUser = {
    ...(await deriveScramCredential('hunter2', { kdf: 'argon2id13', iterations: 1, memory: 64, salt: SALT })),
    role: 'user',
  };
  crossbarUser = {
    ...(await deriveScramCredential('hunter2', {
      kdf: 'argon2id13',
      iterations: 1,
      memory: 64,
      salt: SALT,
      dialect: 'scram',
    })),
    role: 'user',
  };
  config = { scram: { type: 'static', principals: { user: pbkdf2User, argon: argonUser, crossbar: crossbarUser } } };
});

/** The client side of the exchange, computed with the protocol package's SCRAM functions. */
async function proveWith(
  client: TestClient,
  authid: string,
  password: string,
  dialect: ScramDialectName = 'wamp-scram',
): Promise<{ extra: Record<string, unknown>; expectedVerifier: string; proof: string }> {
  const clientNonce = createScramNonce();
  hello(client, { authmethods: [dialect], authid, authextra: { nonce: clientNonce } });
  await flush();
  const challenge = client.takeOne('CHALLENGE');
  expect(challenge.authMethod).toBe(dialect);
  const extra = challenge.extra;
  const salted = await scramSaltedPassword(
    password,
    {
      kdf: extra.kdf === 'pbkdf2' ? 'pbkdf2' : 'argon2id13',
      salt: base64ToBytes(extra.salt as string) as Uint8Array,
      iterations: extra.iterations as number,
      ...(typeof extra.memory === 'number' ? { memory: extra.memory } : {}),
    },
    dialect,
  );
  const keys = scramKeys(salted);
  const message = scramAuthMessage(
    {
      authid,
      clientNonce,
      nonce: extra.nonce as string,
      salt: extra.salt as string,
      iterations: extra.iterations as number,
    },
    dialect,
  );
  const proof = encodeBase64(scramClientProof(keys, message));
  authenticate(client, proof, dialect === 'wamp-scram' ? { nonce: extra.nonce, channel_binding: null } : {});
  return { extra, expectedVerifier: encodeBase64(scramServerSignature(keys.serverKey, message)), proof };
}

describe('wamp-scram, static', () => {
  it('runs the exchange with PBKDF2 and proves the router with the verifier in WELCOME', async () => {
    const { router } = authRouter();
    const client = authClient(router, config);
    const { extra, expectedVerifier } = await proveWith(client, 'user', 'pencil');
    expect(extra).toEqual({ nonce: expect.any(String), salt: encodeBase64(SALT), kdf: 'pbkdf2', iterations: 64 });
    expect(client.takeOne('WELCOME').details).toMatchObject({
      authid: 'user',
      authmethod: 'wamp-scram',
      authprovider: 'static',
      authextra: { plan: 'basic', verifier: expectedVerifier },
    });
  });

  it('runs the exchange with Argon2id', async () => {
    const { router } = authRouter();
    const client = authClient(router, config);
    const { extra } = await proveWith(client, 'argon', 'hunter2');
    expect(extra).toMatchObject({ kdf: 'argon2id13', iterations: 1, memory: 64 });
    expect(client.takeOne('WELCOME').details.authid).toBe('argon');
  });

  it('appends its own nonce to the client nonce (spec dialect)', async () => {
    const { router } = authRouter();
    const client = authClient(router, config);
    hello(client, { authmethods: ['wamp-scram'], authid: 'user', authextra: { nonce: 'egVDf3DMJh0=' } });
    const { extra } = client.takeOne('CHALLENGE');
    expect(extra.nonce).toMatch(/^egVDf3DMJh0=.+/);
  });

  it('fails a wrong password, and logs neither the proof nor the stored keys', async () => {
    const { router, logger } = authRouter();
    const client = authClient(router, config);
    await proveWith(client, 'user', 'wrong');
    const { proof } = await proveWith(authClient(router, config), 'user', 'wrong-again');
    expectAuthFailed(client);
    expect(
      logger.entries.some(
        (entry) => entry.msg === 'authentication failed' && entry.obj.reason === 'wrong client proof',
      ),
    ).toBe(true);
    expect(logger.text).not.toContain(proof);
    expect(logger.text).not.toContain(pbkdf2User['stored-key']);
    expect(logger.text).not.toContain(pbkdf2User['server-key']);
  });

  it('challenges an unknown user with a stable mock salt, then fails', async () => {
    const { router } = authRouter();
    const first = authClient(router, config);
    const { extra } = await proveWith(first, 'ghost', 'pencil');
    expectAuthFailed(first);
    const again = authClient(router, config);
    hello(again, { authmethods: ['wamp-scram'], authid: 'ghost', authextra: { nonce: createScramNonce() } });
    expect(again.takeOne('CHALLENGE').extra.salt).toBe(extra.salt);
  });

  it('fails when AUTHENTICATE names another nonce', async () => {
    const { router } = authRouter();
    const client = authClient(router, config);
    hello(client, { authmethods: ['wamp-scram'], authid: 'user', authextra: { nonce: createScramNonce() } });
    client.takeOne('CHALLENGE');
    authenticate(client, encodeBase64(new Uint8Array(32)), { nonce: 'other' });
    expectAuthFailed(client);
  });

  it('aborts without a client nonce', () => {
    const { router } = authRouter();
    const client = authClient(router, config);
    hello(client, { authmethods: ['wamp-scram'], authid: 'user' });
    expectAuthFailed(client);
  });
});

describe('scram, the Crossbar and Autobahn|Python dialect', () => {
  it("runs Crossbar's exchange: argon2id-13, bytes-appended nonce, scram_server_signature", async () => {
    const { router } = authRouter();
    const client = authClient(router, config);
    const { extra, expectedVerifier } = await proveWith(client, 'crossbar', 'hunter2', 'scram');
    expect(extra.kdf).toBe('argon2id-13');
    expect(client.takeOne('WELCOME').details).toMatchObject({
      authid: 'crossbar',
      authmethod: 'scram',
      authextra: { scram_server_signature: expectedVerifier },
    });
  });
});

describe('wamp-scram, dynamic', () => {
  it('gets the credential from the authenticator', async () => {
    const { router } = authRouter();
    const server = new ProcedureServer(router);
    server.serve('com.example.authenticate', ({ args }) =>
      args[1] === 'user' ? pbkdf2User : Promise.reject(new Error('unknown')),
    );
    const client = authClient(router, { scram: { type: 'dynamic', authenticator: 'com.example.authenticate' } });
    await proveWith(client, 'user', 'pencil');
    expect(client.takeOne('WELCOME').details).toMatchObject({ authid: 'user', authprovider: 'dynamic' });
  });

  it('fails (after a mock challenge) when the authenticator refuses', async () => {
    const { router } = authRouter();
    new ProcedureServer(router).serve('com.example.authenticate', () => Promise.reject(new Error('unknown')));
    const client = authClient(router, { scram: { type: 'dynamic', authenticator: 'com.example.authenticate' } });
    await proveWith(client, 'user', 'pencil');
    expectAuthFailed(client);
  });
});
