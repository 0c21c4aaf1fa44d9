/**
 * Crossbar users' clients, unchanged, against configs written the Crossbar way (issue 10):
 * Autobahn|Python (Debian's python3-autobahn, /usr/bin/python3, asyncio and Twisted) and
 * Autobahn|JS (npm `autobahn`) where it can take part.
 *
 * - salted WAMP-CRA with the secret stored as the derived key (the spec's example, user `peter`,
 *   password `secret1`), static and dynamic;
 * - a dynamic authenticator's own error URI reaches the client;
 * - HELLO without a realm joins the realm that authentication assigns;
 * - cryptosign `tls-unique` as Autobahn|Python computes it (both of its transports), and
 *   `tls-unique` asked for over plain TCP signed without the binding, as Crossbar does.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import autobahn from 'autobahn';
import nacl from 'tweetnacl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { DIALECT, type DialectNode, startDialectNode } from './dialect-node.js';

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const run = promisify(execFile);
const script = fileURLToPath(new URL('./dialect_python_client.py', import.meta.url));

interface PythonSpec {
  url: string;
  realm: string | null;
  method: 'ticket' | 'wampcra' | 'cryptosign';
  authid?: string;
  secret: string;
  binding?: string;
  ca?: string;
  framework?: 'asyncio' | 'twisted';
  call?: string;
}

async function python(spec: PythonSpec): Promise<Record<string, unknown>> {
  const { stdout } = await run('/usr/bin/python3', [script, JSON.stringify(spec)], { timeout: 30_000 });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
}

const helpers = autobahn as unknown as {
  auth_cryptosign: {
    sign_challenge(pkey: nacl.SignKeyPair, extra: Record<string, unknown>): string;
    public_key(pkey: nacl.SignKeyPair): string;
  };
  auth_cra: {
    sign(key: string, challenge: string): string;
    derive_key(secret: string, salt: string, iterations?: number, keylen?: number): string;
  };
};

/** Joins with Autobahn|JS; resolves with whether it joined. */
function autobahnJs(url: string, options: Record<string, unknown>): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const connection = new autobahn.Connection({
      url,
      realm: 'realm1',
      max_retries: 0,
      ...options,
    } as autobahn.IConnectionOptions);
    connection.onopen = (_session, details) => {
      resolve({ joined: true, details });
      connection.close();
    };
    connection.onclose = (_reason, details) => {
      resolve({ joined: false, reason: (details as { reason?: string }).reason });
      return true;
    };
    connection.open();
  });
}

/** Autobahn|JS with WAMP-CRA, deriving the key from the password as its docs show. */
function autobahnJsCra(url: string, password: string): Promise<Record<string, unknown>> {
  return autobahnJs(url, {
    authmethods: ['wampcra'],
    authid: DIALECT.salted.authid,
    onchallenge: (_session: unknown, _method: string, extra: Record<string, unknown>) =>
      helpers.auth_cra.sign(
        helpers.auth_cra.derive_key(password, extra.salt as string, extra.iterations as number, extra.keylen as number),
        extra.challenge as string,
      ),
  });
}

let node: DialectNode;
beforeAll(async () => {
  node = await startDialectNode();
});
afterAll(async () => {
  await node?.stop();
});

describe('salted WAMP-CRA, secret stored as the derived key (spec "Password Salting")', () => {
  const { authid, password } = DIALECT.salted;

  it.each(['cra', 'cradyn'] as const)('Autobahn|Python joins with password secret1 on /%s', async (path) => {
    expect(await python({ url: node.url(path), realm: 'realm1', method: 'wampcra', authid, secret: password })).toEqual(
      {
        joined: true,
        details: {
          realm: 'realm1',
          authid,
          authrole: 'user',
          authmethod: 'wampcra',
          authprovider: path === 'cra' ? 'static' : 'dynamic',
        },
      },
    );
    expect(
      await python({ url: node.url(path), realm: 'realm1', method: 'wampcra', authid, secret: 'secret2' }),
    ).toMatchObject({ joined: false, reason: 'wamp.error.authentication_failed' });
  });

  it.each(['cra', 'cradyn'] as const)('Autobahn|JS joins with password secret1 on /%s', async (path) => {
    expect(await autobahnJsCra(node.url(path), password)).toMatchObject({
      joined: true,
      details: { authid, authmethod: 'wampcra' },
    });
    expect(await autobahnJsCra(node.url(path), 'wrong')).toEqual({
      joined: false,
      reason: 'wamp.error.authentication_failed',
    });
  });
});

describe('dynamic authenticator errors', () => {
  it("Autobahn|Python sees the authenticator's own error URI and message", async () => {
    const { authid } = DIALECT.ticket;
    expect(
      await python({ url: node.url('errors'), realm: 'realm1', method: 'ticket', authid, secret: 'wrong' }),
    ).toEqual({
      joined: false,
      reason: 'com.example.invalid_ticket',
      message: `invalid ticket for principal ${authid}`,
    });
    expect(
      await python({
        url: node.url('errors'),
        realm: 'realm1',
        method: 'ticket',
        authid,
        secret: DIALECT.ticket.ticket,
      }),
    ).toMatchObject({ joined: true, details: { authprovider: 'dynamic' } });
  });
});

describe('HELLO without a realm', () => {
  const { authid, ticket } = DIALECT.ticket;

  it.each(['norealm', 'norealmdyn'] as const)(
    'Autobahn|Python join(None) joins the realm authentication assigns (/%s)',
    async (path) => {
      expect(
        await python({ url: node.url(path), realm: null, method: 'ticket', authid, secret: ticket }),
      ).toMatchObject({ joined: true, details: { realm: 'tenant', authid, authrole: 'user' } });
    },
  );

  it('nothing assigning a realm is no_such_realm', async () => {
    expect(
      await python({ url: node.url('errors'), realm: null, method: 'ticket', authid, secret: ticket }),
    ).toMatchObject({ joined: false, reason: 'wamp.error.no_such_realm' });
  });
});

describe('cryptosign channel binding', () => {
  const { authid, seed } = DIALECT.device;

  it.each(['asyncio', 'twisted'] as const)(
    'Autobahn|Python (%s) authenticates with tls-unique over TLS',
    async (framework) => {
      const outcome = await python({
        url: node.tlsUrl,
        realm: 'realm1',
        method: 'cryptosign',
        secret: seed,
        binding: 'tls-unique',
        ca: node.caFile,
        framework,
      });
      expect(outcome).toMatchObject({ joined: true, details: { authid, authmethod: 'cryptosign' } });
    },
  );

  it('Autobahn|Python without a binding still authenticates over TLS', async () => {
    const outcome = await python({
      url: node.tlsUrl,
      realm: 'realm1',
      method: 'cryptosign',
      secret: seed,
      ca: node.caFile,
    });
    expect(outcome).toMatchObject({ joined: true, details: { authid } });
  });

  it('Autobahn|JS asking for tls-unique over plain TCP signs without the binding, and joins (as on Crossbar)', async () => {
    const pkey = nacl.sign.keyPair.fromSeed(Buffer.from(seed, 'hex'));
    const outcome = await autobahnJs(node.url('plain'), {
      authmethods: ['cryptosign'],
      authextra: { pubkey: helpers.auth_cryptosign.public_key(pkey), channel_binding: 'tls-unique' },
      onchallenge: (_session: unknown, _method: string, extra: Record<string, unknown>) =>
        helpers.auth_cryptosign.sign_challenge(pkey, extra),
    });
    expect(outcome).toMatchObject({ joined: true, details: { authid, authmethod: 'cryptosign' } });
  });
});

describe('roles with allow-by-default', () => {
  /** Autobahn|JS joins `realm` as a visitor, registers and calls; reports what it was allowed. */
  function visit(realm: string): Promise<unknown> {
    return new Promise((resolve) => {
      const connection = new autobahn.Connection({ url: node.url('visitor'), realm, max_retries: 0 });
      connection.onopen = (session) => {
        session
          .register('com.example.echo', (args?: unknown[]) => args?.[0])
          .then(() => session.call('com.example.echo', ['hello']))
          .then(
            (result) => resolve({ result }),
            (error: { error?: string }) => resolve({ error: error.error }),
          )
          .finally(() => connection.close());
      };
      connection.open();
    });
  }

  it('Autobahn|JS may register and call on a realm whose role allows by default, and not without', async () => {
    expect(await visit('open')).toEqual({ result: 'hello' });
    expect(await visit('shut')).toEqual({ error: 'wamp.error.not_authorized' });
  });
});

describe('function authenticators and authorizers (JS modules of the node directory)', () => {
  const { authid, ticket } = DIALECT.ticket;

  it('Autobahn|Python authenticates through a ticket function; the function authorizer decides its calls', async () => {
    const spec = { url: node.url('fn'), realm: 'realm1', method: 'ticket', authid, secret: ticket } as const;
    expect(await python({ ...spec, call: 'com.example.whoami' })).toEqual({
      joined: true,
      details: { realm: 'realm1', authid, authrole: 'frontend', authmethod: 'ticket', authprovider: 'function' },
      result: authid,
    });
    expect(await python({ ...spec, call: 'com.example.secret' })).toMatchObject({
      joined: true,
      error: 'wamp.error.not_authorized',
    });
    expect(await python({ ...spec, secret: 'wrong' })).toEqual({
      joined: false,
      reason: 'com.example.invalid_ticket',
      message: 'invalid ticket',
    });
  });

  it('Autobahn|Python authenticates through a WAMP-CRA function', async () => {
    const { authid: user, secret } = DIALECT.salted;
    expect(
      await python({ url: node.url('fn'), realm: 'realm1', method: 'wampcra', authid: user, secret }),
    ).toMatchObject({ joined: true, details: { authid: user, authmethod: 'wampcra', authprovider: 'function' } });
  });
});
